"""API quotas per (appid, cgi_path) (reference §10.1): 45009 past a day's limit, read and reset them.

Every ``/channels/ec/*`` call is counted per shop appid and path for the day (Beijing date, sandbox clock)
in the mp surface's ``mp_quota_usage`` table (so ``/cgi-bin/clear_quota`` resets these too). A path with a
limit in ``[store] daily_quotas`` (or ``default_daily_quota``) answers 45009 once it is used up.

  POST /cgi-bin/openapi/quota/get    {"cgi_path"}  quota{daily_limit, used, remain}, rate_limit, …
  POST /cgi-bin/openapi/quota/clear  {"cgi_path"}  reset one path's day (50 times a day per account: 48006)
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.mp.http import caller, json_body, ok, take_quota, wx_endpoint
from wxsandbox.store import settings as store_settings
from wxsandbox.store.errors import StoreError

UNLIMITED_SHOWN = 10_000_000  # what quota/get reports as the daily limit of a path without one
CLEARS_PER_DAY = 50


def _day(sandbox: Any) -> str:
    return sandbox.clock.datetime().strftime("%Y-%m-%d")


def limit_of(sandbox: Any, path: str) -> int:
    settings = store_settings.load(sandbox)
    return int(settings.daily_quotas.get(path, settings.default_daily_quota))


def take(sandbox: Any, appid: str, path: str) -> None:
    """Count one call; 45009 when the path's daily limit is used up (a guarded upsert, never overshoots)."""
    limit = limit_of(sandbox, path)
    if limit:
        take_quota(sandbox, appid, path, limit)
        return
    sandbox.state.execute(
        "INSERT INTO mp_quota_usage (appid, api, bucket, used) VALUES (?, ?, ?, 1)"
        " ON CONFLICT (appid, api, bucket) DO UPDATE SET used = used + 1",
        (appid, path, _day(sandbox)),
    )


def _known_path(request: Request, path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise StoreError(40097, "cgi_path")
    if not path.startswith("/") or len(path) > 256 or "?" in path:
        raise StoreError(76003)
    known = {getattr(r, "path", "") for r in request.app.routes}
    if path not in known:
        raise StoreError(76021)
    return path


@wx_endpoint
async def quota_get(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox)
    path = _known_path(request, (await json_body(request)).get("cgi_path"))
    used = (
        sandbox.state.scalar(
            "SELECT used FROM mp_quota_usage WHERE appid = ? AND api = ? AND bucket = ?",
            (who.appid, path, _day(sandbox)),
        )
        or 0
    )
    limit = limit_of(sandbox, path) or UNLIMITED_SHOWN
    return {
        "errcode": 0,
        "errmsg": "ok",
        "quota": {"daily_limit": limit, "used": used, "remain": max(0, limit - used)},
        "rate_limit": {"call_count": 5000, "refresh_second": 60},
        "component_rate_limit": {"call_count": 5000, "refresh_second": 60},
    }


@wx_endpoint
async def quota_clear(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox)
    path = _known_path(request, (await json_body(request)).get("cgi_path"))
    if who.app.kind == "store" and not path.startswith("/channels/ec/"):
        raise StoreError(76022)
    with sandbox.state.transaction():
        take_quota(sandbox, who.appid, "openapi.quota.clear", CLEARS_PER_DAY, errcode=48006)
        sandbox.state.execute(
            "DELETE FROM mp_quota_usage WHERE appid = ? AND api = ? AND bucket = ?",
            (who.appid, path, _day(sandbox)),
        )
    return ok()


routes = [
    Route("/cgi-bin/openapi/quota/get", quota_get, methods=["POST"], name="store.quota.get"),
    Route("/cgi-bin/openapi/quota/clear", quota_clear, methods=["POST"], name="store.quota.clear"),
]
