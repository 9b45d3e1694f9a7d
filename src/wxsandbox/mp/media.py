"""Temporary media: ``POST /cgi-bin/media/upload`` and ``GET /cgi-bin/media/get``.

Image, voice, video and thumb messages (customer-service sends, passive replies) name a ``media_id`` that
must have been uploaded first; unknown or expired ids are refused with 40007, as WeChat does. Temporary
media live 3 days on the sandbox clock. The phone UI shows them through ``GET /sandbox/mp/media/{media_id}``
(no token). Size limits follow WeChat's: image 10 MB (also bounded by the sandbox's body limit), voice
2 MB, video 10 MB, thumb 64 KB.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, wx_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_media (
    media_id      TEXT PRIMARY KEY,
    appid         TEXT NOT NULL,
    type          TEXT NOT NULL,        -- image | voice | video | thumb
    content_type  TEXT NOT NULL,
    filename      TEXT NOT NULL DEFAULT '',
    data          BLOB NOT NULL,
    created_at    REAL NOT NULL,
    expires_at    REAL NOT NULL
);
"""

TTL_SECONDS = 3 * 86400
LIMITS = {"image": 10 * 1024 * 1024, "voice": 2 * 1024 * 1024, "video": 10 * 1024 * 1024, "thumb": 64 * 1024}
# Media types a message type needs (thumb media ids are also accepted where WeChat takes thumbs).
MESSAGE_MEDIA = {"image": "image", "voice": "voice", "video": "video"}


def find(sandbox: Any, appid: str, media_id: Any) -> dict[str, Any] | None:
    if not isinstance(media_id, str) or not media_id:
        return None
    row = sandbox.state.one(
        "SELECT media_id, appid, type, content_type, created_at, expires_at FROM mp_media"
        " WHERE media_id = ? AND appid = ?",
        (media_id, appid),
    )
    if row is None or row["expires_at"] <= sandbox.clock.now():
        return None
    return dict(row)


def require(sandbox: Any, appid: str, media_id: Any, media_type: str | None = None) -> dict[str, Any]:
    """The live media, or 40007 ``invalid media_id`` (also when it is of another type)."""
    found = find(sandbox, appid, media_id)
    if found is None or (media_type is not None and found["type"] != media_type):
        raise WxError(40007)
    return found


@wx_endpoint
async def upload(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox)
    media_type = request.query_params.get("type", "")
    if media_type not in LIMITS:
        raise WxError(40004)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise WxError(41005)
    form = await request.form()
    part = form.get("media")
    if part is None or isinstance(part, str):
        raise WxError(41005)
    data = await part.read()
    if not data:
        raise WxError(41005)
    if len(data) > LIMITS[media_type]:
        raise WxError(40006)
    media_id = secrets.token_urlsafe(48)
    now = sandbox.clock.now()
    sandbox.state.execute(
        "INSERT INTO mp_media (media_id, appid, type, content_type, filename, data, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            media_id,
            who.appid,
            media_type,
            part.content_type or "application/octet-stream",
            part.filename or "",
            data,
            now,
            now + TTL_SECONDS,
        ),
    )
    return {"type": media_type, "media_id": media_id, "created_at": int(now)}


def _content(sandbox: Any, media_id: str, appid: str | None) -> Response | None:
    sql = "SELECT content_type, filename, data, expires_at FROM mp_media WHERE media_id = ?"
    params: tuple = (media_id,)
    if appid is not None:
        sql += " AND appid = ?"
        params += (appid,)
    row = sandbox.state.one(sql, params)
    if row is None or row["expires_at"] <= sandbox.clock.now():
        return None
    filename = (row["filename"] or media_id).replace('"', "")
    return Response(
        bytes(row["data"]),
        media_type=row["content_type"],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@wx_endpoint
async def get(request: Request, sandbox: Any) -> Response:
    who = caller(request, sandbox)
    response = _content(sandbox, request.query_params.get("media_id", ""), who.appid)
    if response is None:
        raise WxError(40007)
    return response


async def control_get(request: Request) -> Response:
    """``GET /sandbox/mp/media/{media_id}`` — for the phone UI to render images in the chat."""
    response = _content(request.app.state.sandbox, request.path_params["media_id"], None)
    return response or Response("media not found", status_code=404)


routes = [
    Route("/cgi-bin/media/upload", upload, methods=["POST"], name="mp.media.upload"),
    Route("/cgi-bin/media/get", get, methods=["GET"], name="mp.media.get"),
]
control_routes = [
    Route("/sandbox/mp/media/{media_id}", control_get, methods=["GET"], name="sandbox.mp.media"),
]
