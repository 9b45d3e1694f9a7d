"""Request plumbing of the Store surface: the shop's token, JSON bodies, id and number fields.

``store_api`` wraps ``handler(request, sandbox, shop, data)``: it validates the ``access_token`` (only a
``store`` app's token may call ``/channels/ec/*``, others get 48001), counts the call against the path's
daily quota (45009, quota.py), runs the timers that are due (audits,
order timeouts, auto-confirmations), and parses the body (44002 empty, 47001 not a JSON object). POST APIs
answer a GET with 43002; the body-less reads (``get_ok=True``) accept GET or POST with ``{}``.
Control routes (``/sandbox/store/…``) use ``control_api``: plain JSON, ``ControlError`` → 4xx, timers run
first as well.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wxsandbox.config import STORE, AppConfig
from wxsandbox.control import ControlError
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, sandbox_of
from wxsandbox.store import quota, timers
from wxsandbox.store.errors import StoreError

StoreHandler = Callable[[Request, Any, AppConfig, dict[str, Any]], Awaitable[dict]]
UINT64_MAX = 2**64 - 1


def store_api(
    *, get_ok: bool = False, raw: bool = False
) -> Callable[[StoreHandler], Callable[[Request], Awaitable[Response]]]:
    """``get_ok``: a body-less read (GET, or POST with an empty body or ``{}``). ``raw``: the handler reads
    the body itself (multipart uploads); ``data`` is then empty."""

    def wrap(handler: StoreHandler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            sandbox = sandbox_of(request)
            try:
                shop = caller(request, sandbox, kind=STORE).app
                if request.method == "GET" and not get_ok:
                    raise StoreError(43002)
                quota.take(sandbox, shop.appid, request.url.path)
                timers.run_due(sandbox)
                if raw or request.method == "GET" or (get_ok and not (await request.body()).strip()):
                    data: dict[str, Any] = {}
                else:
                    data = await json_body(request)
                result = await handler(request, sandbox, shop, data)
            except WxError as exc:
                return JSONResponse(exc.body())
            return JSONResponse({"errcode": 0, "errmsg": "ok", **result})

        return endpoint

    return wrap


def id_of(value: Any, errcode: int = 10020000, *, required: bool = True) -> str | None:
    """A uint64 id sent as a JSON string or number (§0: clients send both), as its decimal string."""
    if value is None or value == "":
        if required:
            raise StoreError(errcode)
        return None
    if isinstance(value, bool):
        raise StoreError(errcode)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        number = int(value)
    else:
        raise StoreError(errcode)
    if not 0 < number <= UINT64_MAX:
        raise StoreError(errcode)
    return str(number)


def int_of(
    data: dict[str, Any], name: str, default: int | None = None, *, lo: int = 0, hi: int = 2**63 - 1
) -> int:
    """An integer field (bools refused): 47001 for a wrong type, 40097 outside [lo, hi]."""
    value = data.get(name, default)
    if value is None:
        raise StoreError(40097, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise StoreError(47001, name)
    if not lo <= value <= hi:
        raise StoreError(40097, name)
    return value


def text_of(data: dict[str, Any], name: str, *, limit: int, default: str = "") -> str:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise StoreError(47001, name)
    if len(value) > limit:
        raise StoreError(40097, name)
    return value


def dict_of(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name) or {}
    if not isinstance(value, dict):
        raise StoreError(47001, name)
    return value


def list_of(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name) or []
    if not isinstance(value, list):
        raise StoreError(47001, name)
    return value


def control_api(
    handler: Callable[[Request, Any], Awaitable[Any]],
) -> Callable[[Request], Awaitable[Response]]:
    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        sandbox = sandbox_of(request)
        try:
            timers.run_due(sandbox)
            result = await handler(request, sandbox)
        except ControlError as exc:
            return exc.response()
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


def shop_of(sandbox: Any, appid: Any = None) -> AppConfig:
    """The store app named by ``appid``, or the first configured one (control API)."""
    if appid:
        app = sandbox.config.app(appid) if isinstance(appid, str) else None
        if app is None or app.kind != STORE:
            raise ControlError("not_found", "没有这个微信小店 appid", 404)
        return app
    shops = sandbox.config.apps_of_kind(STORE)
    if not shops:
        raise ControlError("not_found", '沙箱没有配置微信小店（kind = "store" 的 app）', 404)
    return shops[0]
