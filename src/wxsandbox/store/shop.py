"""Shop basics (§2.5), image upload, and the Channels (视频号) accounts bound to the shop (§2.4).

The shop's associated Channels accounts (关联账号) have no documented API, so they are managed through the
control API; orders can only be attributed to a bound account. How many a shop may bind depends on its
subject type (``[store] shop_type``, limits ``finder_limit_enterprise`` / ``finder_limit_personal``; the
real numbers are unconfirmed). Each shop starts with one bound account, its official one.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from wxsandbox.config import CHANNELS, STORE, AppConfig
from wxsandbox.control import ControlError, read_json
from wxsandbox.mp.http import json_body
from wxsandbox.responses import json_response
from wxsandbox.store import push
from wxsandbox.store import settings as store_settings
from wxsandbox.store.errors import StoreError
from wxsandbox.store.http import control_api, shop_of, store_api

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_finders (
    appid      TEXT NOT NULL,
    finder_id  TEXT NOT NULL,            -- sph…
    nickname   TEXT NOT NULL,
    bound_at   REAL NOT NULL,
    PRIMARY KEY (appid, finder_id)
);
CREATE TABLE IF NOT EXISTS store_media (
    media_id      TEXT PRIMARY KEY,
    appid         TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    data          BLOB NOT NULL,
    source_url    TEXT NOT NULL DEFAULT '',
    created_at    REAL NOT NULL
);
"""

IMAGE_URL_PREFIX = "https://mmecimage.cn/p/"
MAX_IMAGE_BYTES = 10 * 1024 * 1024
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


def official_finder_id(app: AppConfig) -> str:
    return "sph" + hashlib.sha1(("finder:" + app.appid).encode()).hexdigest()[:12]


def seed(sandbox: Any) -> None:
    """Bind each shop's official Channels account, and every configured Channels account (a ``kind =
    "channels"`` app, whose 视频号助手 token reads its own lives) to every shop (idempotent)."""
    accounts = [(official_finder_id(a), a.name or "视频号") for a in sandbox.config.apps_of_kind(CHANNELS)]
    for app in sandbox.config.apps_of_kind(STORE):
        for finder_id, nickname in [
            (official_finder_id(app), (app.name or "小店") + "官方视频号"),
            *accounts,
        ]:
            sandbox.state.execute(
                "INSERT INTO store_finders (appid, finder_id, nickname, bound_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (app.appid, finder_id, nickname, sandbox.clock.now()),
            )


def finder(sandbox: Any, appid: str, finder_id: str) -> dict[str, Any] | None:
    row = sandbox.state.one(
        "SELECT finder_id, nickname, bound_at FROM store_finders WHERE appid = ? AND finder_id = ?",
        (appid, finder_id),
    )
    return dict(row) if row else None


def finders(sandbox: Any, appid: str) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in sandbox.state.query(
            "SELECT finder_id, nickname, bound_at FROM store_finders WHERE appid = ? ORDER BY bound_at, finder_id",
            (appid,),
        )
    ]


def image_url(app: AppConfig, media_id: str) -> str:
    return f"{IMAGE_URL_PREFIX}{app.appid}/{media_id}"


# -- WeChat's endpoints ---------------------------------------------------------------------------------------


@store_api(get_ok=True)
async def info(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    settings = store_settings.load(sandbox)
    opened = sandbox.state.get_meta(f"store.opened:{shop.appid}")
    if opened is None:
        opened = str(sandbox.clock.timestamp())
        sandbox.state.set_meta(f"store.opened:{shop.appid}", opened)
    return {
        "info": {
            "nickname": shop.name or "微信小店",
            "headimg_url": f"{IMAGE_URL_PREFIX}{shop.appid}/headimg",
            "subject_type": settings.subject_type,
            "status": settings.shop_status,
            "username": push.original_id(sandbox, shop),
            "is_local_life": False,
            "open_timestamp": int(opened),
        }
    }


def _sniff(data: bytes) -> str:
    for magic, content_type in _IMAGE_MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise StoreError(40004)


@store_api(raw=True)
async def img_upload(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    """``upload_type=0``: a multipart file; ``1``: JSON ``{"img_url"}`` (kept by reference: the sandbox
    has no internet to fetch it). ``resp_type=1`` adds the mmecimage ``img_url`` product fields need."""
    q = request.query_params
    upload_type, resp_type = q.get("upload_type", "0"), q.get("resp_type", "0")
    if upload_type not in ("0", "1") or resp_type not in ("0", "1"):
        raise StoreError(40097, "upload_type/resp_type")
    source_url = ""
    if upload_type == "0":
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise StoreError(41005)
        form = await request.form()
        part = next((v for v in form.values() if not isinstance(v, str)), None)
        if part is None:
            raise StoreError(41005)
        content = await part.read()
        if not content:
            raise StoreError(41005)
        if len(content) > MAX_IMAGE_BYTES:
            raise StoreError(40006)
        content_type = _sniff(content)
    else:
        body = await json_body(request)
        source_url = body.get("img_url")
        if not isinstance(source_url, str) or not source_url.startswith(("http://", "https://")):
            raise StoreError(40097, "img_url")
        if len(source_url) > 2048:
            raise StoreError(40097, "img_url")
        content, content_type = b"", "application/octet-stream"
    media_id = secrets.token_urlsafe(24)
    sandbox.state.execute(
        "INSERT INTO store_media (media_id, appid, content_type, data, source_url, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (media_id, shop.appid, content_type, content, source_url, sandbox.clock.now()),
    )
    pic: dict[str, Any] = {"media_id": media_id, "pay_media_id": "pay_" + media_id}
    if resp_type == "1":
        pic["img_url"] = image_url(shop, media_id)
    return {"pic_file": pic}


# -- control API ----------------------------------------------------------------------------------------------


@control_api
async def finders_route(request: Request, sandbox: Any) -> Any:
    if request.method == "GET":
        shop = shop_of(sandbox, request.query_params.get("appid"))
        settings = store_settings.load(sandbox)
        return {
            "appid": shop.appid,
            "subject_type": settings.subject_type,
            "limit": settings.finder_limit,
            "finders": finders(sandbox, shop.appid),
        }
    data = await read_json(request)
    shop = shop_of(sandbox, data.get("appid"))
    nickname = data.get("nickname")
    if not isinstance(nickname, str) or not 1 <= len(nickname) <= 30:
        raise ControlError("invalid_request", "nickname 必填，1-30 个字符")
    finder_id = data.get("finder_id") or "sph" + secrets.token_hex(6)
    if not isinstance(finder_id, str) or not finder_id.startswith("sph") or not 6 <= len(finder_id) <= 32:
        raise ControlError("invalid_request", "finder_id 需以 sph 开头，6-32 个字符")
    limit = store_settings.load(sandbox).finder_limit
    with sandbox.state.transaction():
        if finder(sandbox, shop.appid, finder_id) is not None:
            raise ControlError("already_bound", "该视频号已绑定本店", 409)
        bound = sandbox.state.scalar("SELECT COUNT(*) FROM store_finders WHERE appid = ?", (shop.appid,))
        if bound >= limit:
            subject = store_settings.load(sandbox).subject_type
            raise ControlError("finder_limit_reached", f"{subject}店铺最多绑定 {limit} 个视频号", 409)
        sandbox.state.execute(
            "INSERT INTO store_finders (appid, finder_id, nickname, bound_at) VALUES (?, ?, ?, ?)",
            (shop.appid, finder_id, nickname, sandbox.clock.now()),
        )
    return json_response(finder(sandbox, shop.appid, finder_id), 201)


@control_api
async def finder_route(request: Request, sandbox: Any) -> Any:
    shop = shop_of(sandbox, request.query_params.get("appid"))
    finder_id = request.path_params["finder_id"]
    deleted = sandbox.state.execute(
        "DELETE FROM store_finders WHERE appid = ? AND finder_id = ?", (shop.appid, finder_id)
    ).rowcount
    if not deleted:
        raise ControlError("not_found", "该视频号未绑定本店", 404)
    return {"unbound": finder_id}


@control_api
async def media_route(request: Request, sandbox: Any) -> Any:
    """``GET /sandbox/store/media/{media_id}``: the uploaded bytes (what mmecimage.cn would serve)."""
    row = sandbox.state.one(
        "SELECT content_type, data FROM store_media WHERE media_id = ?", (request.path_params["media_id"],)
    )
    if row is None or not row["data"]:
        raise ControlError("not_found", "no such image", 404)
    return Response(bytes(row["data"]), media_type=row["content_type"])


routes = [
    Route("/channels/ec/basics/info/get", info, methods=["GET", "POST"], name="store.basics.info"),
    Route("/channels/ec/basics/img/upload", img_upload, methods=["POST"], name="store.basics.img_upload"),
]
control_routes = [
    Route("/sandbox/store/finders", finders_route, methods=["GET", "POST"], name="sandbox.store.finders"),
    Route(
        "/sandbox/store/finders/{finder_id}", finder_route, methods=["DELETE"], name="sandbox.store.finder"
    ),
    Route("/sandbox/store/media/{media_id}", media_route, methods=["GET"], name="sandbox.store.media"),
]
