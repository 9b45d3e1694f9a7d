"""The ASGI application: ``create_app(config, state) -> Starlette``.

``app.state.sandbox`` is the ``Sandbox`` every handler reaches through ``request.app.state.sandbox``.

Surfaces are the modules in ``SURFACES``; each exposes
  * ``routes: list[BaseRoute]`` — WeChat's own endpoints (name them ``<surface>.<endpoint>``, e.g.
    ``pay.native``, ``mp.token``: fault rules and the journal use the names),
  * ``SCHEMA: str`` — ``CREATE TABLE IF NOT EXISTS …`` applied at start,
  * optionally ``control_routes`` (full paths under ``/sandbox/``) and ``setup(sandbox)`` (called once
    at app creation, e.g. to register callback kinds).
A surface package that is not present yet is skipped.

One pure-ASGI middleware wraps every HTTP request: body size limit (checked before the handler runs),
fault injection (when any rule is armed), and the journal (in: method, path, status, duration, excerpts).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wxsandbox.callbacks import Callbacks
from wxsandbox.clock import Clock
from wxsandbox.config import FaultRule, SandboxConfig, default_config, materialize
from wxsandbox.faults import FaultInjector
from wxsandbox.journal import Journal
from wxsandbox.responses import json_response, pay_error, wechat_error
from wxsandbox.state import State
from wxsandbox.users import Users

SURFACES = (
    "wxsandbox.pay",
    "wxsandbox.kf",
    "wxsandbox.security",
    "wxsandbox.mp",
    "wxsandbox.store",
    "wxsandbox.phone",
)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_sandbox_own(path: str) -> bool:
    """The control API and the phone's page: the sandbox's own, not WeChat's servers. Fault rules never
    hit them, and GETs of them (polling, page and static loads) are not journaled."""
    return path.startswith(("/sandbox/", "/phone/")) or path == "/phone"


@dataclass
class Sandbox:
    """Everything a handler needs. One per app."""

    config: SandboxConfig
    state: State
    clock: Clock
    faults: FaultInjector
    journal: Journal
    callbacks: Callbacks
    users: Users
    surfaces: dict[str, ModuleType] = field(default_factory=dict)
    extras: dict[str, Any] = field(
        default_factory=dict
    )  # per-surface runtime objects (executors are shut down)


def build_sandbox(config: SandboxConfig | None = None, state: State | None = None) -> Sandbox:
    """Wire the core services (no HTTP). Missing secrets are generated and persisted in ``state``."""
    state = state or State(":memory:")
    config = materialize(config or default_config(), state)
    clock = Clock(state)
    faults = FaultInjector(config.faults, seed=config.seed)
    journal = Journal(state, clock, config.journal_excerpt_chars, config.journal_max_rows)
    callbacks = Callbacks(
        state,
        clock,
        journal,
        faults,
        time_factor=config.time_factor,
        max_concurrency=config.callback_concurrency,
    )
    users = Users(state, clock, config)
    return Sandbox(config, state, clock, faults, journal, callbacks, users)


def _load_surfaces(names: tuple[str, ...]) -> dict[str, ModuleType]:
    loaded = {}
    for name in names:
        try:
            loaded[name] = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the surface exists but something it imports is missing: a real error
                raise
    return loaded


def create_app(
    config: SandboxConfig | None = None, state: State | None = None, *, surfaces: tuple[str, ...] = SURFACES
) -> Starlette:
    sandbox = build_sandbox(config, state)
    sandbox.surfaces = _load_surfaces(surfaces)
    from wxsandbox import control  # the control API is core, but imports app helpers

    # WeChat's endpoints first: the router tries routes in order, and they carry the hot traffic.
    routes: list[BaseRoute] = []
    control_routes: list[BaseRoute] = list(control.routes)
    for module in sandbox.surfaces.values():
        sandbox.state.apply_schema(getattr(module, "SCHEMA", ""))
        routes += list(getattr(module, "routes", []))
        control_routes += list(getattr(module, "control_routes", []))
    routes += control_routes
    for module in sandbox.surfaces.values():
        setup = getattr(module, "setup", None)
        if setup is not None:
            setup(sandbox)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await sandbox.callbacks.start()
        try:
            yield
        finally:
            await sandbox.callbacks.stop()
            sandbox.journal.flush()
            for extra in sandbox.extras.values():  # e.g. thread pools a surface started
                if isinstance(extra, Executor):
                    extra.shutdown(wait=False, cancel_futures=True)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.router = IndexedRouter(routes, lifespan=lifespan)
    app.state.sandbox = sandbox
    app.add_middleware(SandboxMiddleware, sandbox=sandbox, routes=routes)
    return app


class IndexedRouter(Router):
    """Starlette's router tries every route in order; with dozens of WeChat endpoints that linear scan was
    a visible share of each request. Routes with a fixed path are found by dictionary lookup first;
    parameterised paths, 405s and redirects fall back to the normal scan (same semantics)."""

    def __init__(self, routes: list[BaseRoute], **kwargs: Any) -> None:
        super().__init__(routes, **kwargs)
        self.static: dict[str, list[Route]] = {}
        for candidate in routes:
            if isinstance(candidate, Route) and "{" not in candidate.path:
                self.static.setdefault(candidate.path, []).append(candidate)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for candidate in self.static.get(scope["path"], ()):
                match, child_scope = candidate.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self)
                    scope["route"] = candidate
                    scope.update(child_scope)
                    await candidate.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)


def error_style(path: str) -> str:
    """Which error dialect a path speaks: ``pay`` (v3), ``control`` (/sandbox) or ``wechat`` (OA/MP)."""
    if path.startswith("/v3/"):
        return "pay"
    if path.startswith("/sandbox/"):
        return "control"
    return "wechat"


def fault_response(rule: FaultRule, path: str):
    """The response a fired request-fault rule produces, in the path's error dialect."""
    style = error_style(path)
    if isinstance(rule.errcode, int) and not isinstance(rule.errcode, bool):
        return wechat_error(rule.errcode, rule.message or None)
    if isinstance(rule.errcode, str):
        return pay_error(rule.errcode, rule.message or None, rule.http_status)
    status = rule.http_status or 500
    if style == "pay":
        code = "SERVICE_UNAVAILABLE" if status in (502, 503, 504) else "SYSTEM_ERROR"
        return pay_error(code, rule.message or None, status)
    return (
        json_response({"error": "injected_fault", "message": rule.message or "injected fault"}, status)
        if style == "control"
        else _plain(status, rule.message or "Service Unavailable")
    )


def _plain(status: int, text: str):
    from starlette.responses import PlainTextResponse

    return PlainTextResponse(text, status_code=status)


def too_large_response(path: str, limit: int):
    style = error_style(path)
    if style == "pay":
        return pay_error("PARAM_ERROR", f"请求体超过 {limit} 字节的限制", 413)
    if style == "control":
        return json_response({"error": "too_large", "message": f"body exceeds {limit} bytes"}, 413)
    return wechat_error(45002)


class _BodyTooLarge(Exception):
    pass


class SandboxMiddleware:
    def __init__(self, app: ASGIApp, sandbox: Sandbox, routes: list[BaseRoute]) -> None:
        self.app = app
        self.sandbox = sandbox
        self.routes = routes
        self.limit = sandbox.config.max_body_bytes
        self.excerpt = sandbox.config.journal_excerpt_chars

    def _route_name(self, scope: Scope) -> str:
        for route in self.routes:  # only consulted while fault rules are armed
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return getattr(route, "name", "") or ""
        return ""

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The request body, or None if the client disconnected; _BodyTooLarge past the limit (by the
        declared Content-Length before reading, or by the bytes actually received)."""
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            raise _BodyTooLarge
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise _BodyTooLarge
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        method: str = scope["method"]
        query = scope.get("query_string", b"")
        target = path + ("?" + query.decode("latin-1") if query else "")
        quiet = method == "GET" and is_sandbox_own(path)  # polling and loading the phone are not news

        # Read the whole body up front (bounded): the limit is enforced before any handler runs, the
        # journal gets its excerpt, and handlers that verify signatures get the exact bytes.
        body = b""
        if method in _BODY_METHODS:
            try:
                body = await self._read_body(scope, receive)
            except _BodyTooLarge:
                await self._reply(
                    too_large_response(path, self.limit),
                    scope,
                    receive,
                    send,
                    started,
                    target,
                    b"",
                    "body over limit",
                )
                return
            if body is None:  # the client went away
                return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        faults = self.sandbox.faults
        if faults.active and not is_sandbox_own(path):
            name = self._route_name(scope)
            rule = faults.check(name, path)
            if rule is not None and rule.after_handling:
                handled = await self._lose_answer(rule, scope, replay)
                if rule.timeout:
                    await asyncio.sleep(rule.timeout_seconds)
                response = _plain(504, "Gateway Timeout") if rule.timeout else fault_response(rule, path)
                note = f"fault {rule.id}: handled (HTTP {handled}), answer lost"
                await self._reply(response, scope, replay, send, started, target, body, note, name)
                return
            if rule is not None:
                if rule.latency_ms:
                    await asyncio.sleep(rule.latency_ms / 1000)
                if rule.timeout:
                    await asyncio.sleep(rule.timeout_seconds)
                    await self._reply(
                        _plain(504, "Gateway Timeout"),
                        scope,
                        replay,
                        send,
                        started,
                        target,
                        body,
                        f"fault {rule.id}: timeout",
                        name,
                    )
                    return
                if rule.errcode is not None or rule.http_status is not None:
                    await self._reply(
                        fault_response(rule, path),
                        scope,
                        replay,
                        send,
                        started,
                        target,
                        body,
                        f"fault {rule.id}",
                        name,
                    )
                    return

        status_holder: list[int] = [0]
        response_head: list[bytes] = []
        captured = [0]

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
            elif message["type"] == "http.response.body" and captured[0] < self.excerpt:
                chunk = message.get("body", b"")[: self.excerpt - captured[0]]
                captured[0] += len(chunk)
                response_head.append(chunk)
            await send(message)

        try:
            await self.app(scope, replay, capture)
        finally:
            if not quiet:
                route = scope.get("route")
                kind = getattr(route, "name", "") if route is not None else ""
                self.sandbox.journal.record(
                    "in",
                    target,
                    kind=kind or "",
                    method=method,
                    status=status_holder[0] or None,
                    duration_ms=(time.perf_counter() - started) * 1000,
                    request=body,
                    response=b"".join(response_head),
                )

    async def _lose_answer(self, rule, scope, receive) -> int:
        """Run the endpoint for its effects; the caller never sees its answer. Returns the real status."""
        status = [0]

        async def swallow(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]

        if rule.latency_ms:
            await asyncio.sleep(rule.latency_ms / 1000)
        await self.app(scope, receive, swallow)
        return status[0]

    async def _reply(self, response, scope, receive, send, started, target, body, note, kind="") -> None:
        await response(scope, receive, send)
        self.sandbox.journal.record(
            "in",
            target,
            kind=kind,
            method=scope["method"],
            status=response.status_code,
            duration_ms=(time.perf_counter() - started) * 1000,
            request=body,
            response=response.body,
            note=note,
        )


def route(path: str, endpoint, methods: list[str], name: str) -> Route:
    """Shorthand used by the surfaces: a named Route."""
    return Route(path, endpoint, methods=methods, name=name)
