"""Channels (视频号) live sessions of the shop's bound accounts (reference §8.2); short videos are in
videos.py, the accounts' own 视频号助手 calls in finder.py.

WeChat has no open API to create a live session, edit a live room's shopping bag (shelf), set the featured
(讲解) product, pop a coupon up in a room or post a video: staff do that in the Channels app or 视频号助手.
So all of it is control API here (the staff's and viewers' hands); the shop reads the outcome through
attributed Store orders (orders.py) and the shop-token live list (compass.py).

A live session: ``scheduled`` ─start─► ``live`` ─end─► ``ended``; ``scheduled`` ─cancel─► ``cancelled``.
Its shelf, featured product and pop-ups change only before it ends (409 ``live_ended`` after). A pop-up
shows one of the shop's live coupons in [show_at, end_at); each viewer may claim it once (then the coupon's
own per-person limit and stock apply, coupons.py). Viewers are counted per room: ``viewer_pv`` every time a
user enters, ``viewer_uv`` once per user (plus anonymous crowds).

Control API (``appid`` defaults to the first store app; ``finder_id`` to the shop's official account):

  GET|POST /sandbox/channels/lives                ?appid=&finder_id=&status= / {title, finder_id?, start_time?}
  GET      /sandbox/channels/lives/{export_id}    (the id contains a slash; send it as is or %2F-encoded)
  POST     …/{export_id}/start | end | cancel
  POST     …/{export_id}/reserve                  {user}                     a viewer books the notice
  POST     …/{export_id}/shelf                    {add?: [product_id], remove?: [product_id]}
  POST     …/{export_id}/featured                 {product_id | null}
  POST     …/{export_id}/popups                   {coupon_id, show_at?, duration_seconds?}
  POST     …/{export_id}/popups/{popup_id}/claim  {user}
  POST     …/{export_id}/watch                    {user}
  POST     …/{export_id}/viewers                  {count}
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import AppConfig
from wxsandbox.control import ControlError, read_json
from wxsandbox.responses import json_response
from wxsandbox.store import coupons, shop
from wxsandbox.store.http import control_api, shop_of
from wxsandbox.store.products import ON_SALE, next_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_lives (
    export_id       TEXT PRIMARY KEY,        -- export/…: what orders carry in ext_info.live_id
    notice_id       TEXT NOT NULL UNIQUE,
    appid           TEXT NOT NULL,
    finder_id       TEXT NOT NULL,
    title           TEXT NOT NULL,
    status          TEXT NOT NULL,           -- scheduled | live | ended | cancelled
    start_time      INTEGER NOT NULL,        -- announced start
    started_at      INTEGER,
    ended_at        INTEGER,
    featured        TEXT,                    -- product_id on the shelf
    viewer_pv       INTEGER NOT NULL DEFAULT 0,
    viewer_uv       INTEGER NOT NULL DEFAULT 0,
    created_at      REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS store_lives_appid ON store_lives (appid, start_time);
CREATE TABLE IF NOT EXISTS store_live_shelf (
    export_id   TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    added_at    INTEGER NOT NULL,
    PRIMARY KEY (export_id, product_id)
);
CREATE TABLE IF NOT EXISTS store_live_popups (
    popup_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    export_id   TEXT NOT NULL,
    coupon_id   TEXT NOT NULL,
    show_at     INTEGER NOT NULL,
    end_at      INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS store_live_claims (
    popup_id        INTEGER NOT NULL,
    user_id         TEXT NOT NULL,
    user_coupon_id  TEXT NOT NULL,
    PRIMARY KEY (popup_id, user_id)          -- once per viewer per pop-up
);
CREATE TABLE IF NOT EXISTS store_live_members (
    export_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    role        TEXT NOT NULL,               -- viewer | reserved
    PRIMARY KEY (export_id, user_id, role)
);
"""

SCHEDULED, LIVE, ENDED, CANCELLED = "scheduled", "live", "ended", "cancelled"
PAID_STATUSES = (20, 21, 30, 100)  # paid and not cancelled: counts toward a session's orders and GMV
NOTICE_ID_START = 10000000000000001
MAX_TITLE = 60
MAX_CROWD = 100_000


def new_export_id() -> str:
    return "export/" + secrets.token_urlsafe(24).replace("-", "A").replace("_", "B")


# -- reads ----------------------------------------------------------------------------------------------------------


def title_of(data: dict[str, Any]) -> str:
    title = data.get("title")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= MAX_TITLE:
        raise ControlError("invalid_request", f"title 必填，1-{MAX_TITLE} 个字符")
    return title.strip()


def finder_of(sandbox: Any, app: AppConfig, value: Any) -> dict[str, Any]:
    finder_id = shop.official_finder_id(app) if value is None else value
    found = shop.finder(sandbox, app.appid, finder_id) if isinstance(finder_id, str) else None
    if found is None:
        raise ControlError("finder_not_bound", "该视频号未绑定本店", 409)
    return found


def listed_product(sandbox: Any, appid: str, product_id: Any) -> dict[str, Any]:
    """``{product_id, title, price, sku_id}`` of a product on sale in the shop (its cheapest SKU, fen)."""
    if isinstance(product_id, int) and not isinstance(product_id, bool):
        product_id = str(product_id)
    if not isinstance(product_id, str) or not product_id.isdigit():
        raise ControlError("invalid_request", "product_id 需为商品 id")
    row = sandbox.state.one(
        "SELECT status, online FROM store_products WHERE product_id = ? AND appid = ?", (product_id, appid)
    )
    if row is None:
        raise ControlError("not_found", "没有这个商品", 404)
    if row["status"] != ON_SALE or row["online"] is None:
        raise ControlError("not_on_sale", "商品未上架", 409)
    spu = json.loads(row["online"])
    cheapest = min(spu["skus"], key=lambda sku: sku["sale_price"])
    return {
        "product_id": product_id,
        "title": spu["title"],
        "price": cheapest["sale_price"],
        "sku_id": cheapest["sku_id"],  # what a buyer tapping 购买 takes
    }


def sales(sandbox: Any, where: str, params: tuple) -> tuple[int, int, int]:
    """(paid orders, GMV in fen, paying buyers) of the Store orders matching ``where``."""
    marks = ",".join("?" * len(PAID_STATUSES))
    row = sandbox.state.one(
        "SELECT COUNT(*) AS n, COALESCE(SUM(json_extract(doc, '$.order_detail.price_info.order_price')), 0)"
        f" AS gmv, COUNT(DISTINCT user_id) AS buyers FROM store_orders WHERE status IN ({marks}) AND {where}",
        (*PAID_STATUSES, *params),
    )
    return row["n"], row["gmv"], row["buyers"]


def live_sales(sandbox: Any, appid: str, export_id: str) -> tuple[int, int, int]:
    return sales(
        sandbox,
        "appid = ? AND json_extract(doc, '$.order_detail.ext_info.live_id') = ?",
        (appid, export_id),
    )


def live_row(sandbox: Any, export_id: str, appid: str | None = None) -> Any:
    row = sandbox.state.one("SELECT * FROM store_lives WHERE export_id = ?", (export_id,))
    if row is not None and (appid is None or row["appid"] == appid):
        return row
    return None


def shelf_ids(sandbox: Any, export_id: str) -> list[str]:
    rows = sandbox.state.query(
        "SELECT product_id FROM store_live_shelf WHERE export_id = ? ORDER BY added_at, product_id",
        (export_id,),
    )
    return [r["product_id"] for r in rows]


def nickname_of(sandbox: Any, appid: str, finder_id: str) -> str:
    found = shop.finder(sandbox, appid, finder_id)
    return found["nickname"] if found else ""


def describe_live(sandbox: Any, row: Any) -> dict[str, Any]:
    now = sandbox.clock.timestamp()
    shelf = []
    for r in sandbox.state.query(
        "SELECT product_id, added_at FROM store_live_shelf WHERE export_id = ? ORDER BY added_at, product_id",
        (row["export_id"],),
    ):
        try:
            product = listed_product(sandbox, row["appid"], r["product_id"])
        except ControlError:  # delisted since: it stays on the shelf but cannot be bought
            product = {"product_id": r["product_id"], "title": "", "price": 0, "sku_id": "", "on_sale": False}
        shelf.append({"on_sale": True, **product, "added_at": r["added_at"]})
    popups = []
    for p in sandbox.state.query(
        "SELECT * FROM store_live_popups WHERE export_id = ? ORDER BY popup_id", (row["export_id"],)
    ):
        coupon = sandbox.state.one("SELECT info FROM store_coupons WHERE coupon_id = ?", (p["coupon_id"],))
        popups.append(
            {
                "popup_id": p["popup_id"],
                "coupon_id": p["coupon_id"],
                "coupon_name": json.loads(coupon["info"])["name"] if coupon else "",
                "show_at": p["show_at"],
                "end_at": p["end_at"],
                "showing": row["status"] == LIVE and p["show_at"] <= now < p["end_at"],
            }
        )
    orders, gmv, buyers = live_sales(sandbox, row["appid"], row["export_id"])
    reserved = sandbox.state.scalar(
        "SELECT COUNT(*) FROM store_live_members WHERE export_id = ? AND role = 'reserved'",
        (row["export_id"],),
    )
    return {
        "export_id": row["export_id"],
        "notice_id": row["notice_id"],
        "appid": row["appid"],
        "finder_id": row["finder_id"],
        "finder_nickname": nickname_of(sandbox, row["appid"], row["finder_id"]),
        "title": row["title"],
        "status": row["status"],
        "start_time": row["start_time"],
        "started_at": row["started_at"],
        "ended_at": row["ended_at"],
        "shelf": shelf,
        "featured_product_id": row["featured"],
        "popups": popups,
        "viewer_pv": row["viewer_pv"],
        "viewer_uv": row["viewer_uv"],
        "reservation_count": reserved,
        "order_count": orders,
        "gmv": gmv,
        "buyer_count": buyers,
    }


# -- control API ----------------------------------------------------------------------------------------------------


def user_of(sandbox: Any, data: dict[str, Any]) -> dict[str, Any]:
    user = sandbox.users.get(str(data.get("user", "")))
    if user is None:
        raise ControlError("not_found", "没有这个沙箱用户", 404)
    return user


def count_of(data: dict[str, Any]) -> int:
    count = data.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_CROWD:
        raise ControlError("invalid_request", f"count 需为 1-{MAX_CROWD} 的整数")
    return count


def _live_of(sandbox: Any, request: Request) -> Any:
    row = live_row(sandbox, request.path_params["export_id"])
    if row is None:
        raise ControlError("not_found", "没有这场直播", 404)
    return row


def _refuse_ended(row: Any) -> None:
    if row["status"] in (ENDED, CANCELLED):
        raise ControlError("live_ended", "直播已结束，不能再修改购物袋、讲解商品或优惠券弹窗", 409)


@control_api
async def lives_route(request: Request, sandbox: Any) -> Any:
    if request.method == "GET":
        q = request.query_params
        app = shop_of(sandbox, q.get("appid"))
        where, params = "appid = ?", [app.appid]
        for name in ("finder_id", "status"):
            if q.get(name):
                where += f" AND {name} = ?"
                params.append(q[name])
        rows = sandbox.state.query(
            f"SELECT * FROM store_lives WHERE {where} ORDER BY start_time, export_id LIMIT 1000", params
        )
        return {"lives": [describe_live(sandbox, r) for r in rows]}
    data = await read_json(request)
    app = shop_of(sandbox, data.get("appid"))
    title = title_of(data)
    finder = finder_of(sandbox, app, data.get("finder_id"))
    now = sandbox.clock.timestamp()
    start = data.get("start_time", now)
    if isinstance(start, bool) or not isinstance(start, int) or not 0 < start < 2**32:
        raise ControlError("invalid_request", "start_time 需为 Unix 秒")
    export_id = new_export_id()
    with sandbox.state.transaction():
        sandbox.state.execute(
            "INSERT INTO store_lives (export_id, notice_id, appid, finder_id, title, status, start_time,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                export_id,
                next_id(sandbox, "live_notice", NOTICE_ID_START),
                app.appid,
                finder["finder_id"],
                title,
                SCHEDULED,
                start,
                sandbox.clock.now(),
            ),
        )
    return json_response(describe_live(sandbox, live_row(sandbox, export_id)), 201)


@control_api
async def live_route(request: Request, sandbox: Any) -> Any:
    return describe_live(sandbox, _live_of(sandbox, request))


_MOVES = {"start": (SCHEDULED, LIVE), "end": (LIVE, ENDED), "cancel": (SCHEDULED, CANCELLED)}


def _move(action: str):
    before, after = _MOVES[action]

    @control_api
    async def endpoint(request: Request, sandbox: Any) -> Any:
        row = _live_of(sandbox, request)
        column = {"start": "started_at", "end": "ended_at", "cancel": "ended_at"}[action]
        moved = sandbox.state.execute(
            f"UPDATE store_lives SET status = ?, {column} = ? WHERE export_id = ? AND status = ?",
            (after, sandbox.clock.timestamp(), row["export_id"], before),
        ).rowcount
        if not moved:
            raise ControlError("invalid_state", f"直播当前为 {row['status']}，不能 {action}", 409)
        return describe_live(sandbox, live_row(sandbox, row["export_id"]))

    endpoint.__name__ = f"live_{action}"
    return endpoint


@control_api
async def reserve_route(request: Request, sandbox: Any) -> Any:
    row = _live_of(sandbox, request)
    user = user_of(sandbox, await read_json(request))
    if row["status"] != SCHEDULED:
        raise ControlError("invalid_state", "只能预约尚未开始的直播", 409)
    added = sandbox.state.execute(
        "INSERT OR IGNORE INTO store_live_members (export_id, user_id, role) VALUES (?, ?, 'reserved')",
        (row["export_id"], user["id"]),
    ).rowcount
    if not added:
        raise ControlError("already_reserved", "已预约这场直播", 409)
    return {"reserved": True, "reservation_count": describe_live(sandbox, row)["reservation_count"]}


def _product_ids(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name) or []
    if not isinstance(value, list) or len(value) > 500:
        raise ControlError("invalid_request", f"{name} 需为不超过 500 个商品 id 的列表")
    return value


@control_api
async def shelf_route(request: Request, sandbox: Any) -> Any:
    data = await read_json(request)
    add, remove = _product_ids(data, "add"), _product_ids(data, "remove")
    if not add and not remove:
        raise ControlError("invalid_request", "add 或 remove 至少一项")
    with sandbox.state.transaction():
        row = _live_of(sandbox, request)
        _refuse_ended(row)
        now = sandbox.clock.timestamp()
        for product_id in add:
            found = listed_product(sandbox, row["appid"], product_id)
            sandbox.state.execute(
                "INSERT OR IGNORE INTO store_live_shelf (export_id, product_id, added_at) VALUES (?, ?, ?)",
                (row["export_id"], found["product_id"], now),
            )
        for product_id in remove:
            sandbox.state.execute(
                "DELETE FROM store_live_shelf WHERE export_id = ? AND product_id = ?",
                (row["export_id"], str(product_id)),
            )
        sandbox.state.execute(  # a product taken off the shelf is no longer being explained
            "UPDATE store_lives SET featured = NULL WHERE export_id = ? AND featured IS NOT NULL AND featured NOT IN"
            " (SELECT product_id FROM store_live_shelf WHERE export_id = ?)",
            (row["export_id"], row["export_id"]),
        )
    return describe_live(sandbox, live_row(sandbox, row["export_id"]))


@control_api
async def featured_route(request: Request, sandbox: Any) -> Any:
    data = await read_json(request)
    if "product_id" not in data:
        raise ControlError("invalid_request", "product_id 必填（取消讲解传 null）")
    with sandbox.state.transaction():
        row = _live_of(sandbox, request)
        _refuse_ended(row)
        product_id = data["product_id"]
        if product_id is not None:
            product_id = str(product_id)
            if product_id not in shelf_ids(sandbox, row["export_id"]):
                raise ControlError("not_on_shelf", "讲解的商品需先加入购物袋", 409)
        sandbox.state.execute(
            "UPDATE store_lives SET featured = ? WHERE export_id = ?", (product_id, row["export_id"])
        )
    return describe_live(sandbox, live_row(sandbox, row["export_id"]))


@control_api
async def popups_route(request: Request, sandbox: Any) -> Any:
    data = await read_json(request)
    now = sandbox.clock.timestamp()
    show_at = data.get("show_at", now)
    duration = data.get("duration_seconds", 300)
    if isinstance(show_at, bool) or not isinstance(show_at, int) or not 0 < show_at < 2**32:
        raise ControlError("invalid_request", "show_at 需为 Unix 秒")
    if isinstance(duration, bool) or not isinstance(duration, int) or not 10 <= duration <= 3600:
        raise ControlError("invalid_request", "duration_seconds 需为 10-3600 的整数")
    coupon_id = data.get("coupon_id")
    coupon_id = str(coupon_id) if isinstance(coupon_id, int | str) and not isinstance(coupon_id, bool) else ""
    with sandbox.state.transaction():
        row = _live_of(sandbox, request)
        _refuse_ended(row)
        coupon = sandbox.state.one(
            "SELECT status FROM store_coupons WHERE coupon_id = ? AND appid = ?", (coupon_id, row["appid"])
        )
        if coupon is None:
            raise ControlError("not_found", "没有这张优惠券", 404)
        if coupon["status"] != 2:
            raise ControlError("coupon_not_live", "优惠券未生效，不能弹出", 409)
        popup_id = sandbox.state.execute(
            "INSERT INTO store_live_popups (export_id, coupon_id, show_at, end_at) VALUES (?, ?, ?, ?)",
            (row["export_id"], coupon_id, show_at, show_at + duration),
        ).lastrowid
    popup = next(p for p in describe_live(sandbox, row)["popups"] if p["popup_id"] == popup_id)
    return json_response(popup, 201)


@control_api
async def claim_route(request: Request, sandbox: Any) -> Any:
    user = user_of(sandbox, await read_json(request))
    row = _live_of(sandbox, request)
    popup = sandbox.state.one(
        "SELECT * FROM store_live_popups WHERE popup_id = ? AND export_id = ?",
        (request.path_params["popup_id"], row["export_id"]),
    )
    if popup is None:
        raise ControlError("not_found", "没有这个优惠券弹窗", 404)
    now = sandbox.clock.timestamp()
    if row["status"] != LIVE or not popup["show_at"] <= now < popup["end_at"]:
        raise ControlError("popup_not_showing", "优惠券弹窗不在展示时间内", 409)
    app = sandbox.config.app(row["appid"])
    with sandbox.state.transaction():
        # The claim row first: a second claim by the same viewer (even a concurrent one) stops here.
        placed = sandbox.state.execute(
            "INSERT OR IGNORE INTO store_live_claims (popup_id, user_id, user_coupon_id) VALUES (?, ?, '')",
            (popup["popup_id"], user["id"]),
        ).rowcount
        if not placed:
            raise ControlError("already_claimed", "已领取过这张直播间优惠券", 409)
        user_coupon = coupons.claim(sandbox, app, popup["coupon_id"], user["id"])
        sandbox.state.execute(
            "UPDATE store_live_claims SET user_coupon_id = ? WHERE popup_id = ? AND user_id = ?",
            (user_coupon["user_coupon_id"], popup["popup_id"], user["id"]),
        )
    return {"user_coupon": user_coupon}


@control_api
async def watch_route(request: Request, sandbox: Any) -> Any:
    user = user_of(sandbox, await read_json(request))
    with sandbox.state.transaction():
        row = _live_of(sandbox, request)
        if row["status"] != LIVE:
            raise ControlError("invalid_state", "直播未在进行中", 409)
        first = sandbox.state.execute(
            "INSERT OR IGNORE INTO store_live_members (export_id, user_id, role) VALUES (?, ?, 'viewer')",
            (row["export_id"], user["id"]),
        ).rowcount
        sandbox.state.execute(
            "UPDATE store_lives SET viewer_pv = viewer_pv + 1, viewer_uv = viewer_uv + ? WHERE export_id = ?",
            (first, row["export_id"]),
        )
    return describe_live(sandbox, live_row(sandbox, row["export_id"]))


@control_api
async def viewers_route(request: Request, sandbox: Any) -> Any:
    count = count_of(await read_json(request))
    row = _live_of(sandbox, request)
    moved = sandbox.state.execute(
        "UPDATE store_lives SET viewer_pv = viewer_pv + ?, viewer_uv = viewer_uv + ? WHERE export_id = ?"
        " AND status = ?",
        (count, count, row["export_id"], LIVE),
    ).rowcount
    if not moved:
        raise ControlError("invalid_state", "直播未在进行中", 409)
    return describe_live(sandbox, live_row(sandbox, row["export_id"]))


_LIVE = "/sandbox/channels/lives/{export_id:path}"
control_routes = [
    Route("/sandbox/channels/lives", lives_route, methods=["GET", "POST"], name="sandbox.channels.lives"),
    *(
        Route(f"{_LIVE}/{action}", _move(action), methods=["POST"], name=f"sandbox.channels.live_{action}")
        for action in _MOVES
    ),
    Route(f"{_LIVE}/reserve", reserve_route, methods=["POST"], name="sandbox.channels.live_reserve"),
    Route(f"{_LIVE}/shelf", shelf_route, methods=["POST"], name="sandbox.channels.live_shelf"),
    Route(f"{_LIVE}/featured", featured_route, methods=["POST"], name="sandbox.channels.live_featured"),
    Route(
        _LIVE + "/popups/{popup_id:int}/claim",
        claim_route,
        methods=["POST"],
        name="sandbox.channels.live_claim",
    ),
    Route(f"{_LIVE}/popups", popups_route, methods=["POST"], name="sandbox.channels.live_popups"),
    Route(f"{_LIVE}/watch", watch_route, methods=["POST"], name="sandbox.channels.live_watch"),
    Route(f"{_LIVE}/viewers", viewers_route, methods=["POST"], name="sandbox.channels.live_viewers"),
    Route(_LIVE, live_route, methods=["GET"], name="sandbox.channels.live"),
]
routes: list[Route] = []  # no WeChat endpoint: see the module docstring
