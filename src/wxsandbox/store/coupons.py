"""Coupons per reference §7.1–7.5: the shop creates, edits, activates and voids; buyers claim and use.

Coupon status 1 初始 → 2 生效 | 4 已作废 | 5 删除; 2 → 4 | 5; 4 → 5 (others: 10021001; unknown id:
10021037). There is no API to give a coupon to a user: a buyer claims one with ``POST
/sandbox/store/coupons/{id}/claim`` (status 2, inside the claim window, within ``total_num`` and the
per-person limit) and uses it by ordering with ``user_coupon_id``; an unpaid order that is cancelled gives
it back. User coupon status 100 生效中 → 102 已使用 → 100 (order cancelled); → 101 已过期 when its validity
ends. Events: ``channels_ec_coupon_create``, ``_info_change``, ``_invalid``, ``_delete``, ``_receive``,
``_expire`` (claiming and fixed validity over), ``channels_ec_user_coupon_use`` / ``_unuse`` / ``_expire``.
Create/update validation codes are not published: the sandbox answers 40097 naming the field, and 109150
for a claim window that has already ended (community-reported).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import AppConfig
from wxsandbox.control import ControlError, read_json
from wxsandbox.store import push, timers
from wxsandbox.store import settings as store_settings
from wxsandbox.store.errors import StoreError
from wxsandbox.store.http import control_api, dict_of, id_of, int_of, list_of, store_api, text_of
from wxsandbox.store.products import next_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_coupons (
    coupon_id    TEXT PRIMARY KEY,
    appid        TEXT NOT NULL,
    type         INTEGER NOT NULL,
    status       INTEGER NOT NULL,
    total_num    INTEGER NOT NULL,
    receive_num  INTEGER NOT NULL DEFAULT 0 CHECK (receive_num <= total_num),
    used_num     INTEGER NOT NULL DEFAULT 0,
    create_time  INTEGER NOT NULL,
    update_time  INTEGER NOT NULL,
    info         TEXT NOT NULL              -- coupon_info (JSON)
);
CREATE TABLE IF NOT EXISTS store_user_coupons (
    user_coupon_id TEXT PRIMARY KEY,
    coupon_id      TEXT NOT NULL,
    appid          TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    openid         TEXT NOT NULL,
    status         INTEGER NOT NULL,        -- 100 usable | 102 used (101 expired is derived)
    create_time    INTEGER NOT NULL,
    update_time    INTEGER NOT NULL,
    start_time     INTEGER NOT NULL,
    end_time       INTEGER NOT NULL,
    order_id       TEXT NOT NULL DEFAULT '',
    discount_fee   INTEGER NOT NULL DEFAULT 0,
    use_time       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS store_user_coupons_owner ON store_user_coupons (appid, openid, user_coupon_id);
"""

COUPON_ID_START = 1000000012
USER_COUPON_ID_START = 200000034
PRODUCT_TYPES, SHOP_TYPES = (1, 2, 3, 4), (101, 102, 103, 104)
_TRANSITIONS = {1: (2, 4, 5), 2: (4, 5), 4: (5,)}
_STATUS_EVENTS = {
    4: ("channels_ec_coupon_invalid", "invalid_time"),
    5: ("channels_ec_coupon_delete", "delete_time"),
}
USABLE, EXPIRED, USED = 100, 101, 102


def _bad(field: str) -> StoreError:
    return StoreError(40097, field)


def validate(sandbox: Any, shop: AppConfig, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The coupon type and normalised coupon_info of a create/update body (§7.2)."""
    kind = int_of(data, "type", lo=1, hi=1000)
    if kind not in PRODUCT_TYPES + SHOP_TYPES:
        raise _bad("type")
    name = text_of(data, "name", limit=10)
    if not name:
        raise _bad("name")
    promote = dict_of(data, "promote_info")
    if promote.get("promote_type") not in (1, 9, 10):
        raise _bad("promote_info.promote_type")
    discount = dict_of(data, "discount_info")
    condition = dict_of(discount, "discount_condition")
    base = kind % 100
    out_condition: dict[str, Any] = {}
    if kind in PRODUCT_TYPES:
        ids = [id_of(v, 40097) for v in list_of(condition, "product_ids")]
        if not 1 <= len(ids) <= 2000:
            raise _bad("discount_condition.product_ids")
        marks = ",".join("?" * len(ids))
        known = sandbox.state.scalar(
            f"SELECT COUNT(*) FROM store_products WHERE appid = ? AND product_id IN ({marks})",
            [shop.appid, *ids],
        )
        if known != len(set(ids)):
            raise StoreError(10020052, "product_ids")
        out_condition["product_ids"] = ids
    has_cnt, has_price = "product_cnt" in condition, "product_price" in condition
    if has_cnt and has_price:
        raise _bad("discount_condition: product_cnt 与 product_price 不能同时设置")
    if base == 1:  # conditional discount: buy N
        out_condition["product_cnt"] = int_of(condition, "product_cnt", lo=1, hi=1000)
    if base == 2:  # 满减: spend X
        out_condition["product_price"] = int_of(condition, "product_price", lo=1, hi=100_000_000)
    out: dict[str, Any] = {"discount_condition": out_condition}
    if base in (1, 3):
        num = int_of(discount, "discount_num", lo=2000, hi=10000)
        if num % 100:
            raise _bad("discount_num")
        out["discount_num"] = num
    else:
        fee = int_of(discount, "discount_fee", lo=1, hi=20000)
        if base == 2 and fee > out_condition["product_price"] * 8 // 10:
            raise _bad("discount_fee")  # the discounted amount must stay ≥ 20 % of the threshold
        out["discount_fee"] = fee
    receive = dict_of(data, "receive_info")
    start, end = int_of(receive, "start_time"), int_of(receive, "end_time")
    if end <= sandbox.clock.timestamp():
        raise StoreError(109150)
    if end <= start:
        raise _bad("receive_info")
    receive_out = {
        "start_time": start,
        "end_time": end,
        "limit_num_one_person": int_of(receive, "limit_num_one_person", lo=1, hi=1000),
        "total_num": int_of(receive, "total_num", lo=1, hi=100_000_000),
    }
    valid = dict_of(data, "valid_info")
    valid_type = valid.get("valid_type")
    if valid_type == 1:
        v_start, v_end = int_of(valid, "start_time"), int_of(valid, "end_time")
        if v_end <= v_start:
            raise _bad("valid_info")
        valid_out = {"valid_type": 1, "start_time": v_start, "end_time": v_end}
    elif valid_type == 2:
        valid_out = {"valid_type": 2, "valid_day_num": int_of(valid, "valid_day_num", lo=1, hi=365)}
    else:
        raise _bad("valid_info.valid_type")
    ext = dict_of(data, "ext_info")
    ext_out = {
        "jump_product_id": str(ext.get("jump_product_id", "")),
        "notes": text_of(ext, "notes", limit=200),
    }
    info = {
        "name": name,
        "promote_info": {"promote_type": promote["promote_type"]},
        "discount_info": out,
        "receive_info": receive_out,
        "valid_info": valid_out,
        "ext_info": ext_out,
    }
    return kind, info


def _row(sandbox: Any, shop: AppConfig, coupon_id: Any) -> Any:
    cid = id_of(coupon_id, 10021037)
    row = sandbox.state.one(
        "SELECT * FROM store_coupons WHERE coupon_id = ? AND appid = ?", (cid, shop.appid)
    )
    if row is None:
        raise StoreError(10021037)
    return row


def _event(
    sandbox: Any, shop: AppConfig, event: str, coupon_id: str, key: str, body: dict[str, Any], openid=""
):
    push.emit(sandbox, shop, event, coupon_id, {key: {"coupon_id": coupon_id, **body}}, openid)


def describe(row: Any) -> dict[str, Any]:
    return {
        "coupon_id": row["coupon_id"],
        "type": row["type"],
        "status": row["status"],
        "create_time": row["create_time"],
        "update_time": row["update_time"],
        "coupon_info": json.loads(row["info"]),
        "stock_info": {
            "issued_num": row["total_num"] - row["receive_num"],
            "receive_num": row["receive_num"],
            "used_num": row["used_num"],
        },
    }


def _expiry(info: dict[str, Any]) -> int:
    """When a coupon expires: the end of claiming, or of its fixed validity if that is later."""
    valid = info["valid_info"]
    return max(info["receive_info"]["end_time"], valid["end_time"] if valid["valid_type"] == 1 else 0)


def _schedule_expiry(sandbox: Any, coupon_id: str, info: dict[str, Any]) -> None:
    timers.schedule(sandbox, "coupon_expire", coupon_id, max(0.0, _expiry(info) - sandbox.clock.now()))


def run_coupon_expire(sandbox: Any, coupon_id: str) -> None:
    """Timer handler: a live coupon's time is over (a stale timer of an edited coupon does nothing)."""
    row = sandbox.state.one("SELECT appid, status, info FROM store_coupons WHERE coupon_id = ?", (coupon_id,))
    if row is None or row["status"] != 2:
        return
    expiry = _expiry(json.loads(row["info"]))
    shop = sandbox.config.app(row["appid"])
    if sandbox.clock.now() >= expiry and shop is not None:
        _event(sandbox, shop, "channels_ec_coupon_expire", coupon_id, "coupon_info", {"expire_time": expiry})


def run_user_coupon_expire(sandbox: Any, user_coupon_id: str) -> None:
    row = sandbox.state.one("SELECT * FROM store_user_coupons WHERE user_coupon_id = ?", (user_coupon_id,))
    if row is None or row["status"] != USABLE or row["end_time"] > sandbox.clock.now():
        return
    sandbox.state.execute(
        "UPDATE store_user_coupons SET status = ?, update_time = ? WHERE user_coupon_id = ? AND status = ?",
        (EXPIRED, sandbox.clock.timestamp(), user_coupon_id, USABLE),
    )
    shop = sandbox.config.app(row["appid"])
    if shop is not None:
        body = {"user_coupon_id": user_coupon_id, "expire_time": row["end_time"]}
        _event(
            sandbox,
            shop,
            "channels_ec_user_coupon_expire",
            row["coupon_id"],
            "user_coupon_info",
            body,
            row["openid"],
        )


# -- the shop's endpoints --------------------------------------------------------------------------------------------


@store_api()
async def create(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    kind, info = validate(sandbox, shop, data)
    now = sandbox.clock.timestamp()
    with sandbox.state.transaction():
        coupon_id = next_id(sandbox, "coupon", COUPON_ID_START)
        sandbox.state.execute(
            "INSERT INTO store_coupons (coupon_id, appid, type, status, total_num, create_time, update_time, info)"
            " VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
            (
                coupon_id,
                shop.appid,
                kind,
                info["receive_info"]["total_num"],
                now,
                now,
                json.dumps(info, ensure_ascii=False),
            ),
        )
        _event(sandbox, shop, "channels_ec_coupon_create", coupon_id, "coupon_info", {"create_time": now})
        _schedule_expiry(sandbox, coupon_id, info)
    return {"data": {"coupon_id": coupon_id}}


@store_api()
async def update(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = _row(sandbox, shop, data.get("coupon_id"))
    kind, info = validate(sandbox, shop, data)
    if kind != row["type"]:
        raise _bad("type")
    now = sandbox.clock.timestamp()
    with sandbox.state.transaction():
        changed = sandbox.state.execute(
            "UPDATE store_coupons SET info = ?, total_num = ?, update_time = ? WHERE coupon_id = ? AND status IN (1, 2)"
            " AND receive_num <= ?",
            (json.dumps(info, ensure_ascii=False), info["receive_info"]["total_num"], now, row["coupon_id"],
             info["receive_info"]["total_num"]),
        ).rowcount  # fmt: skip
        if not changed:
            raise StoreError(10021001)
        change = {"change_time": now}
        _event(sandbox, shop, "channels_ec_coupon_info_change", row["coupon_id"], "coupon_info", change)
        _schedule_expiry(sandbox, row["coupon_id"], info)
    return {}


@store_api()
async def update_status(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    row = _row(sandbox, shop, data.get("coupon_id"))
    target = int_of(data, "status", lo=0, hi=100)
    now = sandbox.clock.timestamp()
    with sandbox.state.transaction():
        allowed = [s for s, targets in _TRANSITIONS.items() if target in targets]
        marks = ",".join("?" * len(allowed)) or "NULL"
        changed = sandbox.state.execute(
            f"UPDATE store_coupons SET status = ?, update_time = ? WHERE coupon_id = ? AND status IN ({marks})",
            (target, now, row["coupon_id"], *allowed),
        ).rowcount
        if not changed:
            raise StoreError(10021001)
        if target in _STATUS_EVENTS:
            event, field = _STATUS_EVENTS[target]
            _event(sandbox, shop, event, row["coupon_id"], "coupon_info", {field: now})
    return {}


@store_api()
async def get(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    return {"coupon": describe(_row(sandbox, shop, data.get("coupon_id")))}


def _page(data: dict[str, Any], max_size: int) -> tuple[int, int]:
    page = int_of(data, "page", 1, lo=1, hi=100_000)
    size = int_of(data, "page_size", 10, lo=1, hi=max_size)
    return page, size


def _ctx(page: int) -> str:
    return base64.urlsafe_b64encode(str(page).encode()).decode()


@store_api()
async def get_list(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    page, size = _page(data, store_settings.load(sandbox).coupon_page_size_max)
    where, params = "appid = ?", [shop.appid]
    if data.get("status") is not None:
        where += " AND status = ?"
        params.append(int_of(data, "status", lo=0, hi=100))
    total = sandbox.state.scalar(f"SELECT COUNT(*) FROM store_coupons WHERE {where}", params)
    rows = sandbox.state.query(
        f"SELECT coupon_id FROM store_coupons WHERE {where} ORDER BY coupon_id LIMIT ? OFFSET ?",
        [*params, size, (page - 1) * size],
    )
    return {
        "coupons": [{"coupon_id": r["coupon_id"]} for r in rows],
        "page_ctx": _ctx(page),
        "total_num": total,
    }


def _user_status(sandbox: Any, row: Any) -> int:
    if row["status"] == USABLE and row["end_time"] <= sandbox.clock.timestamp():
        return EXPIRED
    return row["status"]


def _user_coupon(sandbox: Any, row: Any) -> dict[str, Any]:
    return {
        "user_coupon_id": row["user_coupon_id"],
        "coupon_id": row["coupon_id"],
        "status": _user_status(sandbox, row),
        "create_time": row["create_time"],
        "update_time": row["update_time"],
        "start_time": row["start_time"],
        "end_time": row["end_time"],
        "ext_info": {"use_time": row["use_time"]},
        "order_id": row["order_id"],
        "discount_fee": row["discount_fee"],
    }


@store_api()
async def get_user_coupon_list(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    openid = text_of(data, "openid", limit=64)
    if not openid:
        raise StoreError(40003)
    page, size = _page(data, store_settings.load(sandbox).coupon_page_size_max)
    rows = sandbox.state.query(
        "SELECT * FROM store_user_coupons WHERE appid = ? AND openid = ? ORDER BY user_coupon_id",
        (shop.appid, openid),
    )
    status = int_of(data, "status", lo=0, hi=1000) if data.get("status") is not None else None
    found = [r for r in rows if status is None or _user_status(sandbox, r) == status]
    chosen = found[(page - 1) * size : page * size]
    return {
        "user_coupon_list": [
            {"user_coupon_id": r["user_coupon_id"], "coupon_id": r["coupon_id"]} for r in chosen
        ],
        "page_ctx": _ctx(page),
        "total_num": len(found),
    }


@store_api()
async def get_user_coupon(request: Request, sandbox: Any, shop: AppConfig, data: dict) -> dict:
    openid = text_of(data, "openid", limit=64)
    uid = id_of(data.get("user_coupon_id"), 40097)
    row = sandbox.state.one(
        "SELECT * FROM store_user_coupons WHERE user_coupon_id = ? AND appid = ? AND openid = ?",
        (uid, shop.appid, openid),
    )
    if row is None:
        raise StoreError(10021037)
    unionid = sandbox.users.unionid(row["user_id"], shop.appid) or ""
    return {"openid": openid, "unionid": unionid, "user_coupon": _user_coupon(sandbox, row)}


# -- buyers ------------------------------------------------------------------------------------------------------------


def claim(sandbox: Any, shop: AppConfig, coupon_id: str, user_id: str) -> dict[str, Any]:
    now = sandbox.clock.timestamp()
    with sandbox.state.transaction():
        row = sandbox.state.one(
            "SELECT * FROM store_coupons WHERE coupon_id = ? AND appid = ?", (coupon_id, shop.appid)
        )
        if row is None:
            raise ControlError("not_found", "没有这张优惠券", 404)
        info = json.loads(row["info"])
        receive = info["receive_info"]
        if row["status"] != 2 or not receive["start_time"] <= now < receive["end_time"]:
            raise ControlError("not_claimable", "优惠券未生效或不在领取时间内", 409)
        openid = sandbox.users.openid(user_id, shop.appid)
        mine = sandbox.state.scalar(
            "SELECT COUNT(*) FROM store_user_coupons WHERE coupon_id = ? AND openid = ?", (coupon_id, openid)
        )
        if mine >= receive["limit_num_one_person"]:
            raise ControlError("limit_reached", "已达到每人领取上限", 409)
        taken = sandbox.state.execute(
            "UPDATE store_coupons SET receive_num = receive_num + 1 WHERE coupon_id = ? AND receive_num < total_num",
            (coupon_id,),
        ).rowcount
        if not taken:
            raise ControlError("sold_out", "优惠券已领完", 409)
        valid = info["valid_info"]
        start, end = (
            (valid["start_time"], valid["end_time"])
            if valid["valid_type"] == 1
            else (now, now + valid["valid_day_num"] * 86400)
        )
        user_coupon_id = next_id(sandbox, "user_coupon", USER_COUPON_ID_START)
        sandbox.state.execute(
            "INSERT INTO store_user_coupons (user_coupon_id, coupon_id, appid, user_id, openid, status, create_time,"
            " update_time, start_time, end_time) VALUES (?, ?, ?, ?, ?, 100, ?, ?, ?, ?)",
            (user_coupon_id, coupon_id, shop.appid, user_id, openid, now, now, start, end),
        )
        timers.schedule(sandbox, "user_coupon_expire", user_coupon_id, max(0.0, end - sandbox.clock.now()))
        body = {"user_coupon_id": user_coupon_id, "receive_time": now}
        _event(sandbox, shop, "channels_ec_coupon_receive", coupon_id, "receive_info", body, openid)
        found = sandbox.state.one(
            "SELECT * FROM store_user_coupons WHERE user_coupon_id = ?", (user_coupon_id,)
        )
    return _user_coupon(sandbox, found)


def apply_to_order(
    sandbox: Any, shop: AppConfig, user_id: str, lines: list[dict], user_coupon_id: Any
) -> dict:
    """Discount ``lines`` with the buyer's coupon (the caller holds the order's transaction); returns the
    user coupon row's essentials for ``used``. Raises ControlError when the coupon does not apply."""
    row = sandbox.state.one(
        "SELECT * FROM store_user_coupons WHERE user_coupon_id = ? AND appid = ?",
        (str(user_coupon_id), shop.appid),
    )
    if row is None or row["user_id"] != user_id:
        raise ControlError("coupon_invalid", "不是该买家的优惠券", 409)
    now = sandbox.clock.timestamp()
    if _user_status(sandbox, row) != USABLE or not row["start_time"] <= now:
        raise ControlError("coupon_invalid", "优惠券不可用（已使用、已过期或未到使用时间）", 409)
    coupon = sandbox.state.one(
        "SELECT type, info FROM store_coupons WHERE coupon_id = ?", (row["coupon_id"],)
    )
    info = json.loads(coupon["info"])["discount_info"]
    condition = info["discount_condition"]
    eligible = [
        line
        for line in lines
        if coupon["type"] in SHOP_TYPES or line["product_id"] in condition["product_ids"]
    ]
    total = sum(line["real_price"] for line in eligible)
    count = sum(line["sku_cnt"] for line in eligible)
    if not eligible or total < condition.get("product_price", 0) or count < condition.get("product_cnt", 0):
        raise ControlError("coupon_invalid", "订单未满足优惠券的使用条件", 409)
    discount = (
        min(info["discount_fee"], total)
        if "discount_fee" in info
        else total * (10000 - info["discount_num"]) // 10000
    )
    left = discount
    for index, line in enumerate(eligible):
        share = left if index == len(eligible) - 1 else discount * line["real_price"] // total
        left -= share
        line["real_price"] -= share
        line["merchant_discounted_price"] += share
        line["is_discounted"] = share > 0
        line["order_product_coupon_info_list"].append(
            {"coupon_type": 1, "user_coupon_id": row["user_coupon_id"], "coupon_id": row["coupon_id"],
             "discounted_price": share}
        )  # fmt: skip
    return {"user_coupon_id": row["user_coupon_id"], "coupon_id": row["coupon_id"], "discount": discount}


def used(sandbox: Any, shop: AppConfig, coupon: dict[str, Any], order_id: str, openid: str) -> None:
    now = sandbox.clock.timestamp()
    sandbox.state.execute(
        "UPDATE store_user_coupons SET status = 102, order_id = ?, discount_fee = ?, use_time = ?, update_time = ?"
        " WHERE user_coupon_id = ?",
        (order_id, coupon["discount"], now, now, coupon["user_coupon_id"]),
    )
    sandbox.state.execute(
        "UPDATE store_coupons SET used_num = used_num + 1 WHERE coupon_id = ?", (coupon["coupon_id"],)
    )
    body = {"user_coupon_id": coupon["user_coupon_id"], "order_id": order_id, "use_time": now}
    _event(sandbox, shop, "channels_ec_user_coupon_use", coupon["coupon_id"], "use_info", body, openid)


def give_back(sandbox: Any, shop: AppConfig, order: dict[str, Any]) -> None:
    """An unpaid order was cancelled: its coupons are usable again."""
    now = sandbox.clock.timestamp()
    for row in sandbox.state.query(
        "SELECT user_coupon_id, coupon_id FROM store_user_coupons WHERE order_id = ? AND status = 102",
        (order["order_id"],),
    ):
        sandbox.state.execute(
            "UPDATE store_user_coupons SET status = 100, order_id = '', discount_fee = 0, use_time = 0, update_time = ?"
            " WHERE user_coupon_id = ?",
            (now, row["user_coupon_id"]),
        )
        sandbox.state.execute(
            "UPDATE store_coupons SET used_num = used_num - 1 WHERE coupon_id = ?", (row["coupon_id"],)
        )
        body = {"user_coupon_id": row["user_coupon_id"], "order_id": order["order_id"], "unuse_time": now}
        _event(
            sandbox,
            shop,
            "channels_ec_user_coupon_unuse",
            row["coupon_id"],
            "use_info",
            body,
            order["openid"],
        )


@control_api
async def claim_route(request: Request, sandbox: Any) -> Any:
    """``POST /sandbox/store/coupons/{coupon_id}/claim {"user"}``: the buyer claims it in the shop."""
    data = await read_json(request)
    user = sandbox.users.get(str(data.get("user", "")))
    if user is None:
        raise ControlError("not_found", "没有这个沙箱用户", 404)
    row = sandbox.state.one(
        "SELECT appid FROM store_coupons WHERE coupon_id = ?", (request.path_params["coupon_id"],)
    )
    if row is None:
        raise ControlError("not_found", "没有这张优惠券", 404)
    return {
        "user_coupon": claim(
            sandbox, sandbox.config.app(row["appid"]), request.path_params["coupon_id"], user["id"]
        )
    }


routes = [
    Route("/channels/ec/coupon/create", create, methods=["GET", "POST"], name="store.coupon.create"),
    Route("/channels/ec/coupon/update", update, methods=["GET", "POST"], name="store.coupon.update"),
    Route(
        "/channels/ec/coupon/update_status",
        update_status,
        methods=["GET", "POST"],
        name="store.coupon.status",
    ),
    Route("/channels/ec/coupon/get", get, methods=["GET", "POST"], name="store.coupon.get"),
    Route("/channels/ec/coupon/get_list", get_list, methods=["GET", "POST"], name="store.coupon.list"),
    Route(
        "/channels/ec/coupon/get_user_coupon_list",
        get_user_coupon_list,
        methods=["GET", "POST"],
        name="store.coupon.user_list",
    ),
    Route(
        "/channels/ec/coupon/get_user_coupon",
        get_user_coupon,
        methods=["GET", "POST"],
        name="store.coupon.user",
    ),
]
control_routes = [
    Route(
        "/sandbox/store/coupons/{coupon_id}/claim",
        claim_route,
        methods=["POST"],
        name="sandbox.store.coupon_claim",
    ),
]
