"""Parametrised QR codes: ``POST /cgi-bin/qrcode/create`` and ``GET /cgi-bin/showqrcode`` (reference §4.5).

Kinds: ``QR_SCENE`` / ``QR_STR_SCENE`` (temporary, ``expire_seconds`` default 30, at most 30 days) and
``QR_LIMIT_SCENE`` / ``QR_LIMIT_STR_SCENE`` (permanent; scene_id 1–100000, scene_str 1–64 chars).
``scene_id`` placed directly under ``action_info`` (without ``scene``) silently yields scene 0, as on
WeChat. Scanning (``POST /sandbox/mp/oa/scan``) resolves a ticket or its ``url`` back to the scene.

``showqrcode`` serves a real, decodable QR code of the code's ``url`` (drawn by segno), with the URL also
in the ``X-Wxsandbox-Qr-Url`` header for the phone UI.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.mp import qrimage
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, take_quota, wx_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_qrcodes (
    ticket      TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,   -- the path part of https://weixin.qq.com/q/<code>
    appid       TEXT NOT NULL,
    action_name TEXT NOT NULL,
    scene_id    INTEGER,
    scene_str   TEXT,
    expires_at  REAL,                   -- NULL: permanent
    created_at  REAL NOT NULL
);
"""

TEMPORARY = {"QR_SCENE", "QR_STR_SCENE"}
PERMANENT = {"QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"}
DEFAULT_EXPIRE, MAX_EXPIRE = 30, 2_592_000
QR_URL_BASE = "https://weixin.qq.com/q/"


def _scene(action_name: str, action_info: Any) -> tuple[int | None, str | None]:
    if not isinstance(action_info, dict):
        raise WxError(40053)
    scene = action_info.get("scene")
    if not isinstance(scene, dict):
        scene = {}  # WeChat quietly makes scene 0 of a missing "scene" wrapper
    if action_name.endswith("STR_SCENE"):
        value = scene.get("scene_str")
        if not isinstance(value, str) or not 1 <= len(value) <= 64:
            raise WxError(40053, "scene_str must be 1-64 characters")
        return None, value
    value = scene.get("scene_id", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WxError(40053, "scene_id must be an integer")
    if action_name == "QR_LIMIT_SCENE" and not 1 <= value <= 100_000:
        raise WxError(40053, "scene_id must be within 1-100000")
    if action_name == "QR_SCENE" and not -(2**31) <= value < 2**32:
        raise WxError(40053, "scene_id must be a 32-bit integer")
    return value, None


@wx_endpoint
async def create(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    data = await json_body(request)
    action_name = data.get("action_name")
    if action_name not in TEMPORARY | PERMANENT:
        raise WxError(40097, "action_name")
    scene_id, scene_str = _scene(action_name, data.get("action_info"))
    expire = None
    if action_name in TEMPORARY:
        expire = data.get("expire_seconds", DEFAULT_EXPIRE)
        if isinstance(expire, bool) or not isinstance(expire, int) or expire < 0:
            raise WxError(40097, "expire_seconds")
        expire = min(expire or DEFAULT_EXPIRE, MAX_EXPIRE)
    take_quota(sandbox, who.appid, "qrcode.create", mp_settings.load(sandbox).quota("qrcode.create"))
    code = secrets.token_urlsafe(16)
    now = sandbox.clock.now()
    # WeChat's tickets are base64 of a binary blob that embeds the URL; ours embed the code the same way.
    ticket = base64.b64encode(b"\x08\x01" + (QR_URL_BASE + code).encode() + secrets.token_bytes(8)).decode()
    sandbox.state.execute(
        "INSERT INTO mp_qrcodes (ticket, code, appid, action_name, scene_id, scene_str, expires_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ticket,
            code,
            who.appid,
            action_name,
            scene_id,
            scene_str,
            None if expire is None else now + expire,
            now,
        ),
    )
    answer: dict[str, Any] = {"ticket": ticket, "url": QR_URL_BASE + code}
    if expire is not None:
        answer["expire_seconds"] = expire
    return answer


def resolve(sandbox: Any, *, ticket: str | None = None, url: str | None = None) -> dict[str, Any] | None:
    """The live QR code for a ticket or its URL (None when unknown or expired)."""
    if ticket:
        row = sandbox.state.one("SELECT * FROM mp_qrcodes WHERE ticket = ?", (ticket,))
    elif url and url.startswith(QR_URL_BASE):
        row = sandbox.state.one("SELECT * FROM mp_qrcodes WHERE code = ?", (url[len(QR_URL_BASE) :],))
    else:
        return None
    if row is None or (row["expires_at"] is not None and row["expires_at"] <= sandbox.clock.now()):
        return None
    return dict(row)


def scene_value(qr: dict[str, Any]) -> str:
    """``EventKey`` of a scan: the scene_id as decimal or the scene_str."""
    return qr["scene_str"] if qr["scene_str"] is not None else str(qr["scene_id"])


async def show(request: Request) -> Response:
    """``GET /cgi-bin/showqrcode?ticket=`` (no token): the image, 404 for an unknown or expired ticket."""
    sandbox = request.app.state.sandbox
    qr = resolve(sandbox, ticket=request.query_params.get("ticket", ""))
    if qr is None:
        return Response("ticket 无效或已过期", status_code=404, media_type="text/plain; charset=utf-8")
    url = QR_URL_BASE + qr["code"]
    return Response(
        qrimage.png(url),
        media_type="image/png",
        headers={"X-Wxsandbox-Qr-Url": url, "Cache-Control": "max-age=3600"},
    )


routes = [
    Route("/cgi-bin/qrcode/create", create, methods=["POST"], name="mp.qrcode.create"),
    Route("/cgi-bin/showqrcode", show, methods=["GET"], name="mp.qrcode.show"),
]
