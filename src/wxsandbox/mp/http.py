"""Request plumbing shared by the mp surfaces: the error envelope, JSON bodies, access tokens, quotas.

Handlers are written as ``async def handler(request, sandbox)`` and wrapped by ``wx_endpoint`` which turns a
raised ``WxError`` into WeChat's ``{"errcode", "errmsg"}`` answer on HTTP 200. Control routes
(``/sandbox/mp/…``) use ``control_endpoint``: plain JSON, errors as the core's ``ControlError``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wxsandbox.config import AppConfig
from wxsandbox.control import ControlError, read_json  # noqa: F401  (read_json: re-exported for surfaces)
from wxsandbox.mp.errors import WxError

Handler = Callable[[Request, Any], Awaitable[Response | dict]]

# Access tokens the sandbox issues: digits, "_", then URL-safe characters (WeChat's look).
TOKEN_SHAPE = re.compile(r"[0-9]{2,3}_[A-Za-z0-9_-]{60,600}")


def sandbox_of(request: Request) -> Any:
    return request.app.state.sandbox


def ok(data: dict | None = None) -> JSONResponse:
    """A success answer: ``{"errcode": 0, "errmsg": "ok", …}``."""
    return JSONResponse({"errcode": 0, "errmsg": "ok", **(data or {})})


def wx_endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            result = await handler(request, sandbox_of(request))
        except WxError as exc:
            return JSONResponse(exc.body())
        return JSONResponse(result) if isinstance(result, dict) else result

    return endpoint


def control_endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Control routes answer plain JSON; ``ControlError`` becomes ``{"error", "message"}`` with its status."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            result = await handler(request, sandbox_of(request))
        except ControlError as exc:
            return exc.response()
        return JSONResponse(result) if isinstance(result, dict | list) else result

    return endpoint


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; 44002 for an empty body, 47001 for anything that is not a JSON object."""
    raw = await request.body()
    if not raw.strip():
        raise WxError(44002)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WxError(47001) from exc
    if not isinstance(data, dict):
        raise WxError(47001)
    return data


def app_or_error(sandbox: Any, appid: str | None, errcode_missing: int = 41002) -> AppConfig:
    if not appid:
        raise WxError(errcode_missing)
    app = sandbox.config.app(appid)
    if app is None:
        raise WxError(40013)
    return app


@dataclass(frozen=True)
class Caller:
    """Who an ``access_token`` belongs to."""

    app: AppConfig
    token: str

    @property
    def appid(self) -> str:
        return self.app.appid


def caller(request: Request, sandbox: Any, *, kind: str | None = None) -> Caller:
    """Validate the ``access_token`` query parameter (41001 / 40014 / 40001 / 42001).

    ``kind`` restricts the API to Official Accounts or Mini Programs (48001 api unauthorized otherwise).
    """
    token = request.query_params.get("access_token")
    if not token:
        raise WxError(41001)
    if not TOKEN_SHAPE.fullmatch(token):
        raise WxError(40014)
    row = sandbox.state.one(
        "SELECT appid, expires_at, valid_until FROM mp_access_tokens WHERE token = ?", (token,)
    )
    if row is None:
        raise WxError(40001)
    now = sandbox.clock.now()
    if row["valid_until"] is not None and row["valid_until"] <= now:
        raise WxError(40001)  # superseded by a newer token and past the grace period
    if row["expires_at"] <= now:
        raise WxError(42001)
    app = sandbox.config.app(row["appid"])
    if app is None:  # the config no longer declares this app
        raise WxError(40001)
    if kind is not None and app.kind != kind:
        raise WxError(48001)
    return Caller(app=app, token=token)


QUOTA_SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_quota_usage (
    appid   TEXT NOT NULL,
    api     TEXT NOT NULL,
    bucket  TEXT NOT NULL,              -- day (Beijing date) or minute
    used    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (appid, api, bucket)
);
"""


def _window(sandbox: Any, per: str) -> str:
    now = sandbox.clock.datetime()
    if per == "total":  # a lifetime counter: one bucket that never rolls over
        return "total"
    return now.strftime("%Y-%m-%d") if per == "day" else now.strftime("%Y-%m-%dT%H:%M")


def take_quota(
    sandbox: Any, appid: str, api: str, limit: int, *, per: str = "day", errcode: int = 45009
) -> None:
    """Count one call of ``api`` against ``limit`` per day/minute; raises ``errcode`` when exhausted (``per="total"``: a lifetime limit).

    The increment is a guarded upsert, so concurrent callers cannot overshoot the limit.
    """
    if limit <= 0:
        return
    window = _window(sandbox, per)
    with sandbox.state.transaction():
        fresh = sandbox.state.execute(
            "INSERT INTO mp_quota_usage (appid, api, bucket, used) VALUES (?, ?, ?, 0)"
            " ON CONFLICT (appid, api, bucket) DO NOTHING",
            (appid, api, window),
        ).rowcount
        if fresh:  # a new day or minute: earlier buckets of this counter are history
            sandbox.state.execute(
                "DELETE FROM mp_quota_usage WHERE appid = ? AND api = ? AND bucket < ? AND length(bucket) = ?",
                (appid, api, window, len(window)),
            )
        cur = sandbox.state.execute(
            "UPDATE mp_quota_usage SET used = used + 1 WHERE appid = ? AND api = ? AND bucket = ? AND used < ?",
            (appid, api, window, limit),
        )
    if cur.rowcount == 0:
        raise WxError(errcode)


class QuotaUsage:
    """A day counter in the quota table that is read rather than enforced (e.g. link opens)."""

    def __init__(self, sandbox: Any, appid: str, api: str) -> None:
        self.sandbox, self.appid, self.api = sandbox, appid, api

    def add(self) -> None:
        self.sandbox.state.execute(
            "INSERT INTO mp_quota_usage (appid, api, bucket, used) VALUES (?, ?, ?, 1)"
            " ON CONFLICT (appid, api, bucket) DO UPDATE SET used = used + 1",
            (self.appid, self.api, _window(self.sandbox, "day")),
        )

    def used_today(self) -> int:
        row = self.sandbox.state.one(
            "SELECT used FROM mp_quota_usage WHERE appid = ? AND api = ? AND bucket = ?",
            (self.appid, self.api, _window(self.sandbox, "day")),
        )
        return int(row["used"]) if row else 0
