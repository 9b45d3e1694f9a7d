"""Sharers (分享员, reference §8.3): invitations, binding, the sharer list and sharers' orders (shop token).

``sharer/bind`` issues an invitation code (personal with ``username``, a sandbox user's id standing for the
WeChat ID; multi-person without), valid 15 days; the invited user scans and accepts through the control API
(``POST /sandbox/store/sharers {user}``), which binds them as a 普通分享员 (type 0) and pushes
``channels_ec_sharer_change`` (bind_status 1). 店铺分享员 (type 1) are shop staff added in the shop back end
(``{user, sharer_type: 1}``, no invitation). ``unbind`` pushes bind_status 2; a 店铺分享员 cannot be unbound
through the API (``refuse_openid``; the reference lists the field without saying when, so this is the
sandbox's reading). Only bound sharers are attributed in orders (orders.py, ``sharer_info``).

At most ``sharer_invite_limit`` (10) personal invitations may be pending or bound at once (10070002).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import AppConfig
from wxsandbox.control import ControlError, read_json
from wxsandbox.mp import qrimage
from wxsandbox.responses import json_response
from wxsandbox.store import push, videos
from wxsandbox.store.errors import StoreError
from wxsandbox.store.http import control_api, int_of, list_of, shop_of, store_api, text_of

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_sharers (
    appid        TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    openid       TEXT NOT NULL,
    sharer_type  INTEGER NOT NULL,         -- 0 普通分享员 | 1 店铺分享员
    bind_time    INTEGER NOT NULL,
    PRIMARY KEY (appid, user_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS store_sharers_openid ON store_sharers (appid, openid);
CREATE TABLE IF NOT EXISTS store_sharer_invites (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    appid       TEXT NOT NULL,
    username    TEXT,                      -- NULL: a multi-person code
    expires_at  INTEGER NOT NULL
);
"""

INVITE_DAYS = 15
INVITE_LIMIT = 10
NORMAL, SHOP_STAFF = 0, 1


def bound(sandbox: Any, appid: str, user_id: str) -> Any:
    return sandbox.state.one("SELECT * FROM store_sharers WHERE appid = ? AND user_id = ?", (appid, user_id))


def _describe(sandbox: Any, row: Any) -> dict[str, Any]:
    user = sandbox.users.get(row["user_id"]) or {"nickname": ""}
    return {
        "openid": row["openid"],
        "unionid": sandbox.users.unionid(row["user_id"], row["appid"]) or "",
        "nickname": user["nickname"],
        "bind_time": row["bind_time"],
        "sharer_type": row["sharer_type"],
    }


def _change(sandbox: Any, app: AppConfig, openid: str, sharer_type: int, status: int) -> None:
    body = {"openid": openid, "sharer_type": sharer_type, "bind_status": status}
    push.emit(sandbox, app, "channels_ec_sharer_change", openid, body, openid)


# -- WeChat's endpoints ---------------------------------------------------------------------------------------------


@store_api()
async def bind(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    username = text_of(data, "username", limit=64) or None
    now = sandbox.clock.timestamp()
    with sandbox.state.transaction():
        if username is not None:
            if sandbox.users.get(username) is None:
                raise StoreError(10070000)
            existing = bound(sandbox, shop.appid, username)
            if existing is not None:
                raise StoreError(10070005 if existing["sharer_type"] == SHOP_STAFF else 10070001)
            pending = sandbox.state.scalar(
                "SELECT COUNT(DISTINCT username) FROM store_sharer_invites WHERE appid = ? AND username IS NOT NULL"
                " AND expires_at > ?",
                (shop.appid, now),
            )
            if pending >= INVITE_LIMIT:
                raise StoreError(10070002)
        invite = sandbox.state.execute(
            "INSERT INTO store_sharer_invites (appid, username, expires_at) VALUES (?, ?, ?)",
            (shop.appid, username, now + INVITE_DAYS * 86400),
        ).lastrowid
    url = f"https://channels.weixin.qq.com/shop/sharer/invite?appid={shop.appid}&invite={invite}"
    return {"qrcode_img": url, "qrcode_img_base64": base64.b64encode(qrimage.png(url)).decode()}


@store_api()
async def search(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    openid, username = text_of(data, "openid", limit=64), text_of(data, "username", limit=64)
    if openid:
        row = sandbox.state.one(
            "SELECT * FROM store_sharers WHERE appid = ? AND openid = ?", (shop.appid, openid)
        )
    elif username:
        row = bound(sandbox, shop.appid, username)
    else:
        raise StoreError(10070006)
    if row is None:
        raise StoreError(10070004)
    return _describe(sandbox, row)


@store_api()
async def list_get(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    page = int_of(data, "page", 1, lo=1, hi=100_000)
    size = int_of(data, "page_size", 10, lo=1, hi=100)
    if data.get("sharer_type") is None:
        raise StoreError(10070006)
    kind = int_of(data, "sharer_type", lo=0, hi=1)
    rows = sandbox.state.query(
        "SELECT * FROM store_sharers WHERE appid = ? AND sharer_type = ? ORDER BY bind_time, user_id"
        " LIMIT ? OFFSET ?",
        (shop.appid, kind, size, (page - 1) * size),
    )
    return {"sharer_info_list": [_describe(sandbox, r) for r in rows]}


@store_api()
async def unbind(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    openids = list_of(data, "openid_list")
    if not openids or len(openids) > 100 or not all(isinstance(o, str) for o in openids):
        raise StoreError(10070006)
    done: dict[str, list[str]] = {"success_openid": [], "fail_openid": [], "refuse_openid": []}
    with sandbox.state.transaction():
        for openid in openids:
            row = sandbox.state.one(
                "SELECT * FROM store_sharers WHERE appid = ? AND openid = ?", (shop.appid, openid)
            )
            if row is None:
                done["fail_openid"].append(openid)
            elif row["sharer_type"] == SHOP_STAFF:
                done["refuse_openid"].append(openid)
            else:
                sandbox.state.execute(
                    "DELETE FROM store_sharers WHERE appid = ? AND openid = ?", (shop.appid, openid)
                )
                _change(sandbox, shop, openid, row["sharer_type"], 2)
                done["success_openid"].append(openid)
    return done


def _scene_info(sandbox: Any, order: dict[str, Any]) -> dict[str, Any]:
    """finder_scene_info of a Channels-scene order: the account and its live or video."""
    sources = order["order_detail"].get("source_infos") or []
    if not sources:
        return {}
    source = sources[0]
    info = {"promoter_id": source["account_id"], "finder_nickname": source["account_nickname"],
            "live_export_id": "", "video_export_id": "", "video_title": ""}  # fmt: skip
    if source["content_type"] == 1:
        info["live_export_id"] = source["content_id"]
    elif source["content_type"] == 2:
        info["video_export_id"] = source["content_id"]
        video = videos.video_row(sandbox, source["content_id"])
        info["video_title"] = video["title"] if video else ""
    return info


@store_api()
async def order_list(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    page = int_of(data, "page", 1, lo=1, hi=100_000)
    size = int_of(data, "page_size", 10, lo=1, hi=100)
    openid = text_of(data, "openid", limit=64)
    scene = int_of(data, "share_scene", lo=0, hi=100) if data.get("share_scene") is not None else None
    start = int_of(data, "start_time", 0)
    end = int_of(data, "end_time", 2**32)
    where = "appid = ? AND create_time BETWEEN ? AND ? AND json_extract(doc, '$.order_detail.sharer_info') IS NOT NULL"
    params: list[Any] = [shop.appid, start, end]
    if openid:
        where += " AND json_extract(doc, '$.order_detail.sharer_info.sharer_openid') = ?"
        params.append(openid)
    if scene is not None:
        where += " AND json_extract(doc, '$.order_detail.sharer_info.share_scene') = ?"
        params.append(scene)
    rows = sandbox.state.query(
        f"SELECT doc FROM store_orders WHERE {where} ORDER BY create_time, order_id LIMIT ? OFFSET ?",
        [*params, size, (page - 1) * size],
    )
    found = []
    for row in rows:
        order = json.loads(row["doc"])
        sharer = order["order_detail"]["sharer_info"]
        scene_info = _scene_info(sandbox, order)
        for line in order["order_detail"]["product_infos"]:
            item = {
                "order_id": order["order_id"],
                "share_scene": sharer["share_scene"],
                "sharer_openid": sharer["sharer_openid"],
                "sharer_type": sharer["sharer_type"],
                "sku_id": line["sku_id"],
                "product_id": line["product_id"],
                "from_wecom": False,
            }
            if scene_info:
                item["finder_scene_info"] = scene_info
            found.append(item)
    return {"order_list": found}


# -- control API ----------------------------------------------------------------------------------------------------


def _accept(sandbox: Any, app: AppConfig, user_id: str, sharer_type: int) -> Any:
    now = sandbox.clock.timestamp()
    with sandbox.state.transaction():
        if bound(sandbox, app.appid, user_id) is not None:
            raise ControlError("already_bound", "已是本店分享员", 409)
        if sharer_type == NORMAL:
            invite = sandbox.state.one(
                "SELECT id FROM store_sharer_invites WHERE appid = ? AND expires_at > ?"
                " AND (username IS NULL OR username = ?) ORDER BY username IS NULL, id LIMIT 1",
                (app.appid, now, user_id),
            )
            if invite is None:
                raise ControlError("no_invitation", "没有有效的分享员邀请（先调用 sharer/bind）", 409)
        openid = sandbox.users.openid(user_id, app.appid)
        sandbox.state.execute(
            "INSERT INTO store_sharers (appid, user_id, openid, sharer_type, bind_time) VALUES (?, ?, ?, ?, ?)",
            (app.appid, user_id, openid, sharer_type, now),
        )
        _change(sandbox, app, openid, sharer_type, 1)
    return bound(sandbox, app.appid, user_id)


@control_api
async def sharers_route(request: Request, sandbox: Any) -> Any:
    if request.method == "GET":
        app = shop_of(sandbox, request.query_params.get("appid"))
        rows = sandbox.state.query(
            "SELECT * FROM store_sharers WHERE appid = ? ORDER BY bind_time, user_id", (app.appid,)
        )
        return {"sharers": [{"user": r["user_id"], **_describe(sandbox, r)} for r in rows]}
    data = await read_json(request)
    app = shop_of(sandbox, data.get("appid"))
    user = sandbox.users.get(str(data.get("user", "")))
    if user is None:
        raise ControlError("not_found", "没有这个沙箱用户", 404)
    sharer_type = data.get("sharer_type", NORMAL)
    if sharer_type not in (NORMAL, SHOP_STAFF) or isinstance(sharer_type, bool):
        raise ControlError("invalid_request", "sharer_type 需为 0（普通分享员）或 1（店铺分享员）")
    row = _accept(sandbox, app, user["id"], sharer_type)
    return json_response({"user": user["id"], **_describe(sandbox, row)}, 201)


routes = [
    Route("/channels/ec/sharer/bind", bind, methods=["GET", "POST"], name="store.sharer.bind"),
    Route("/channels/ec/sharer/search_sharer", search, methods=["GET", "POST"], name="store.sharer.search"),
    Route("/channels/ec/sharer/get_sharer_list", list_get, methods=["GET", "POST"], name="store.sharer.list"),
    Route("/channels/ec/sharer/unbind", unbind, methods=["GET", "POST"], name="store.sharer.unbind"),
    Route(
        "/channels/ec/sharer/get_sharer_order_list",
        order_list,
        methods=["GET", "POST"],
        name="store.sharer.orders",
    ),
]
control_routes = [
    Route("/sandbox/store/sharers", sharers_route, methods=["GET", "POST"], name="sandbox.store.sharers"),
]
