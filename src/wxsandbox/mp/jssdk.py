"""JS-SDK: ``GET /cgi-bin/ticket/getticket`` and the ``wx.config`` signature (reference §5.5).

A ticket is cached per (appid, type) for 7200 s on the sandbox clock, as WeChat does: calls within its
validity return the same ticket. ``POST /sandbox/mp/jssdk/verify`` checks a page's ``wx.config`` the way
the WeChat client does, so the phone UI can show "invalid signature" like the real one.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import ControlError, caller, control_endpoint, ok, read_json, take_quota, wx_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_tickets (
    appid       TEXT NOT NULL,
    type        TEXT NOT NULL,          -- jsapi | wx_card
    ticket      TEXT NOT NULL,
    expires_at  REAL NOT NULL,
    PRIMARY KEY (appid, type)
);
"""

TICKET_TYPES = ("jsapi", "wx_card")


def jsapi_signature(jsapi_ticket: str, noncestr: str, timestamp: str | int, url: str) -> str:
    """SHA-1 of ``jsapi_ticket=…&noncestr=…&timestamp=…&url=…`` (no escaping; url without ``#…``)."""
    url = url.split("#", 1)[0]
    string1 = f"jsapi_ticket={jsapi_ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(string1.encode("utf-8")).hexdigest()


def current_ticket(sandbox: Any, appid: str, kind: str = "jsapi") -> str | None:
    return sandbox.state.scalar(
        "SELECT ticket FROM mp_tickets WHERE appid = ? AND type = ? AND expires_at > ?",
        (appid, kind, sandbox.clock.now()),
    )


@wx_endpoint
async def getticket(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    kind = request.query_params.get("type", "jsapi")
    if kind not in TICKET_TYPES:
        raise WxError(40097, "type")
    settings = mp_settings.load(sandbox)
    take_quota(sandbox, who.appid, "ticket.getticket", settings.quota("ticket.getticket"))
    with sandbox.state.transaction():
        now = sandbox.clock.now()
        row = sandbox.state.one(
            "SELECT ticket, expires_at FROM mp_tickets WHERE appid = ? AND type = ? AND expires_at > ?",
            (who.appid, kind, now),
        )
        if row is None:
            ticket, expires_at = secrets.token_urlsafe(64), now + settings.ticket_ttl_seconds
            sandbox.state.execute(
                "INSERT INTO mp_tickets (appid, type, ticket, expires_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (appid, type) DO UPDATE SET ticket = excluded.ticket, expires_at = excluded.expires_at",
                (who.appid, kind, ticket, expires_at),
            )
        else:
            ticket, expires_at = row["ticket"], row["expires_at"]
    return ok({"ticket": ticket, "expires_in": int(expires_at - now)})


@control_endpoint
async def control_verify(request: Request, sandbox: Any) -> dict:
    """``POST /sandbox/mp/jssdk/verify {"appId", "timestamp", "nonceStr", "signature", "url"}`` → ok or the error
    the WeChat client would raise (``config:invalid signature``)."""
    data = await read_json(request)
    app = sandbox.config.app(str(data.get("appId", "")))
    if app is None or app.kind != OFFICIAL_ACCOUNT:
        raise ControlError("unknown_app", "appId 不是已配置的公众号", 404)
    for field in ("timestamp", "nonceStr", "signature", "url"):
        if not data.get(field):
            raise ControlError("invalid_request", f"缺少 {field}")
    ticket = current_ticket(sandbox, app.appid)
    if ticket is None:
        return {"ok": False, "errMsg": "config:invalid signature", "reason": "没有有效的 jsapi_ticket"}
    expected = jsapi_signature(ticket, str(data["nonceStr"]), str(data["timestamp"]), str(data["url"]))
    if not secrets.compare_digest(expected, str(data["signature"]).lower()):
        return {"ok": False, "errMsg": "config:invalid signature", "reason": "签名不匹配"}
    return {"ok": True, "errMsg": "config:ok"}


routes = [
    Route("/cgi-bin/ticket/getticket", getticket, methods=["GET"], name="mp.ticket.getticket"),
]
control_routes = [
    Route("/sandbox/mp/jssdk/verify", control_verify, methods=["POST"], name="sandbox.mp.jssdk_verify"),
]
