"""The control API under ``/sandbox/`` (JSON), used by tests, the hub's dev tooling and the phone UI.

Core endpoints (surfaces add their own, e.g. ``/sandbox/pay/confirm``):

  GET    /sandbox/healthz                      {"ok": true} — also the benchmark's trivial endpoint
  GET    /sandbox/info                         apps, merchants, surfaces, every route, clock (no secrets)
  GET    /sandbox/keys                         secrets and key material (same as ``wxsandbox keys --export``)
  GET    /sandbox/users                        simulated users
  POST   /sandbox/users                        {"nickname", "id"?, "phone"?, …} → 201 user
  GET    /sandbox/users/{id}                   user with openid/unionid per app
  GET    /sandbox/clock                        {"now", "offset", "rfc3339"}
  POST   /sandbox/clock/advance                {"seconds": n} → new clock
  GET    /sandbox/faults                       armed rules with matched/fired counters
  POST   /sandbox/faults                       a FaultRule as JSON → 201 rule (with id)
  DELETE /sandbox/faults                       remove all rules ({"seed": n}? reseeds)
  DELETE /sandbox/faults/{id}                  remove one rule
  GET    /sandbox/journal                      ?since_id=&direction=in|out&kind=<glob>&path_prefix=&limit=
  GET    /sandbox/callbacks                    ?kind=<glob>&status=&since_id=&limit=
  GET    /sandbox/callbacks/{id}               ?wait=<seconds> waits for a final status
  POST   /sandbox/reset                        empties journal and callbacks, removes fault rules

Errors: ``{"error": "<code>", "message": "…"}`` with a 4xx status.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import export_keys
from wxsandbox.faults import rule_from_json
from wxsandbox.responses import control_error, json_response


class ControlError(Exception):
    def __init__(self, error: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error, self.message, self.status = error, message, status

    def response(self):
        return control_error(self.error, self.message, self.status)


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object body ({} when empty); raises ControlError(malformed_json)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError("malformed_json", f"body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ControlError("malformed_json", "body must be a JSON object")
    return data


def int_param(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ControlError("invalid_request", f"{name} must be an integer") from exc


def handles_control_errors(endpoint):
    """Decorator: turn ControlError into its JSON response."""

    async def wrapper(request: Request):
        try:
            return await endpoint(request)
        except ControlError as exc:
            return exc.response()

    wrapper.__name__ = endpoint.__name__
    wrapper.__doc__ = endpoint.__doc__
    return wrapper


def sandbox_of(request: Request):
    return request.app.state.sandbox


async def healthz(request: Request):
    return json_response({"ok": True})


async def info(request: Request):
    sb = sandbox_of(request)
    cfg = sb.config
    return json_response(
        {
            "apps": [
                {
                    "appid": a.appid,
                    "kind": a.kind,
                    "name": a.name,
                    "server_url": a.server_url,
                    "message_mode": a.message_mode,
                    "open_platform": a.open_platform,
                }
                for a in cfg.apps
            ],
            "merchants": [
                {"mchid": m.mchid, "name": m.name, "appids": list(m.appids), "platform_mode": m.platform_mode}
                for m in cfg.merchants
            ],
            "surfaces": sorted(sb.surfaces),
            "routes": [
                {"path": r.path, "name": r.name, "methods": sorted(r.methods or ())}
                for r in request.app.routes
                if isinstance(r, Route)
            ],
            "time_factor": sb.callbacks.time_factor,
            "clock": _clock(sb),
        }
    )


async def keys(request: Request):
    return json_response(export_keys(sandbox_of(request).config))


@handles_control_errors
async def users(request: Request):
    sb = sandbox_of(request)
    if request.method == "GET":
        return json_response({"users": [sb.users.describe(u["id"]) for u in sb.users.list()]})
    data = await read_json(request)
    nickname = data.pop("nickname", None)
    user_id = data.pop("id", None)
    try:
        user = sb.users.create(nickname, user_id, **data)
    except (ValueError, TypeError) as exc:
        raise ControlError("invalid_request", str(exc)) from exc
    return json_response(sb.users.describe(user["id"]), 201)


@handles_control_errors
async def user_detail(request: Request):
    sb = sandbox_of(request)
    user_id = request.path_params["user_id"]
    if sb.users.get(user_id) is None:
        raise ControlError("not_found", f"no user {user_id}", 404)
    return json_response(sb.users.describe(user_id))


def _clock(sb) -> dict[str, Any]:
    return {"now": sb.clock.now(), "offset": sb.clock.offset, "rfc3339": sb.clock.rfc3339()}


async def clock(request: Request):
    return json_response(_clock(sandbox_of(request)))


@handles_control_errors
async def clock_advance(request: Request):
    sb = sandbox_of(request)
    data = await read_json(request)
    seconds = data.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ControlError("invalid_request", "seconds must be a number ≥ 0")
    sb.clock.advance(float(seconds))
    return json_response(_clock(sb))


@handles_control_errors
async def faults(request: Request):
    sb = sandbox_of(request)
    if request.method == "GET":
        return json_response({"rules": sb.faults.rules()})
    data = await read_json(request)
    if request.method == "DELETE":
        seed = data.get("seed")
        if seed is not None and not isinstance(seed, int):
            raise ControlError("invalid_request", "seed must be an integer")
        sb.faults.clear(seed)
        return json_response({"rules": []})
    try:
        rule = sb.faults.add(rule_from_json(data))
    except ValueError as exc:
        raise ControlError("invalid_request", str(exc)) from exc
    return json_response(next(r for r in sb.faults.rules() if r["id"] == rule.id), 201)


@handles_control_errors
async def fault_detail(request: Request):
    if not sandbox_of(request).faults.remove(request.path_params["rule_id"]):
        raise ControlError("not_found", "no such rule", 404)
    return json_response({"deleted": request.path_params["rule_id"]})


@handles_control_errors
async def journal(request: Request):
    sb = sandbox_of(request)
    q = request.query_params
    entries = sb.journal.entries(
        since_id=int_param(request, "since_id", 0),
        direction=q.get("direction"),
        kind=q.get("kind"),
        path_prefix=q.get("path_prefix"),
        limit=int_param(request, "limit", 200),
    )
    return json_response({"entries": entries, "last_id": sb.journal.last_id()})


@handles_control_errors
async def callbacks(request: Request):
    sb = sandbox_of(request)
    q = request.query_params
    return json_response(
        {
            "deliveries": sb.callbacks.list(
                kind=q.get("kind"),
                status=q.get("status"),
                since_id=int_param(request, "since_id", 0),
                limit=int_param(request, "limit", 200),
            )
        }
    )


@handles_control_errors
async def callback_detail(request: Request):
    sb = sandbox_of(request)
    delivery_id = request.path_params["delivery_id"]
    wait = request.query_params.get("wait")
    try:
        wait_seconds = min(float(wait), 60.0) if wait else 0.0
    except ValueError as exc:
        raise ControlError("invalid_request", "wait must be a number of seconds") from exc
    delivery = (
        await sb.callbacks.wait(delivery_id, wait_seconds) if wait_seconds else sb.callbacks.get(delivery_id)
    )
    if delivery is None:
        raise ControlError("not_found", f"no delivery {delivery_id}", 404)
    return json_response(delivery)


async def reset(request: Request):
    sb = sandbox_of(request)
    sb.journal.clear()
    sb.callbacks.reset()
    sb.faults.clear()
    for module in sb.surfaces.values():  # each surface forgets its own state, like it set it up
        if hasattr(module, "reset"):
            module.reset(sb)
    return json_response({"ok": True})


routes = [
    Route("/sandbox/healthz", healthz, methods=["GET"], name="sandbox.healthz"),
    Route("/sandbox/info", info, methods=["GET"], name="sandbox.info"),
    Route("/sandbox/keys", keys, methods=["GET"], name="sandbox.keys"),
    Route("/sandbox/users", users, methods=["GET", "POST"], name="sandbox.users"),
    Route("/sandbox/users/{user_id}", user_detail, methods=["GET"], name="sandbox.user"),
    Route("/sandbox/clock", clock, methods=["GET"], name="sandbox.clock"),
    Route("/sandbox/clock/advance", clock_advance, methods=["POST"], name="sandbox.clock_advance"),
    Route("/sandbox/faults", faults, methods=["GET", "POST", "DELETE"], name="sandbox.faults"),
    Route("/sandbox/faults/{rule_id}", fault_detail, methods=["DELETE"], name="sandbox.fault"),
    Route("/sandbox/journal", journal, methods=["GET"], name="sandbox.journal"),
    Route("/sandbox/callbacks", callbacks, methods=["GET"], name="sandbox.callbacks"),
    Route("/sandbox/callbacks/{delivery_id:int}", callback_detail, methods=["GET"], name="sandbox.callback"),
    Route("/sandbox/reset", reset, methods=["POST"], name="sandbox.reset"),
]
