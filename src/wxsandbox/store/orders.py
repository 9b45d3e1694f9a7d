"""Orders and delivery (reference §5): buyers order through the control API, the shop reads and ships.

A simulated buyer (a sandbox user) orders listed SKUs with ``POST /sandbox/store/orders``, optionally
attributed to a bound Channels account (``finder_id``) and its live session (``live_id``) or short video
(``video_id``), and to a bound sharer (``sharer: {"user", "share_scene"}``, sharers.py); ``user_coupon_id``
applies a claimed coupon (coupons.py). A live session or video the sandbox knows (lives.py) also checks the
buyer could order there: the session on air with the items on its shelf, or the video's card product; an
alliance creator (``promoter``, league.py) gets sale_channel 100 and commission_infos. Stock is taken from the
SKU at once (a guarded decrement: no overselling) and given back when an unpaid order is cancelled or times out.

Status machine (§5.2, B.2): 10 待付款 ─pay─► 20 待发货 ─delivery/send (part)─► 21 ─(rest)─► 30 待收货
─confirm (buyer, or automatically after ``auto_confirm_seconds``)─► 100 完成; 10 ─buyer cancel / timeout
(``pay_timeout_seconds``)─► 250; 20 ─oversold, platform cancels─► 190; 20/21/30 ─every item refunded─► 200.
Events (§5.5, body ``order_info``, ``order_id`` a JSON number as the current store page shows it):
``channels_ec_order_new``, ``_pay`` (+ ``_wait_shipping``), ``_cancel`` (cancel_type 1 user, 2 timeout,
3 all refunded, 4 oversold), ``_deliver`` (finish_delivery 0/1), ``_confirm`` (confirm_type 1 user, 2 auto), ``_settle`` (``settle_seconds_after_confirm`` after receipt).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import AppConfig
from wxsandbox.control import ControlError, read_json
from wxsandbox.responses import json_response
from wxsandbox.store import categories, coupons, league, lives, push, sharers, shop, timers, videos
from wxsandbox.store import settings as store_settings
from wxsandbox.store.errors import StoreError
from wxsandbox.store.http import control_api, dict_of, id_of, int_of, list_of, shop_of, store_api, text_of
from wxsandbox.store.products import ON_SALE, next_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_orders (
    order_id     TEXT PRIMARY KEY,          -- 19 digits: above 2^53, as WeChat's are
    appid        TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    openid       TEXT NOT NULL,
    status       INTEGER NOT NULL,
    create_time  INTEGER NOT NULL,
    update_time  INTEGER NOT NULL,
    doc          TEXT NOT NULL              -- the order object of order/get (JSON)
);
CREATE INDEX IF NOT EXISTS store_orders_created ON store_orders (appid, create_time, order_id);
CREATE INDEX IF NOT EXISTS store_orders_updated ON store_orders (appid, update_time, order_id);
"""

ORDER_ID_START = 3705115058471200000
UNPAID, PAID, PART_SHIPPED, SHIPPED, DONE = 10, 20, 21, 30, 100
OVERSOLD_CANCELLED, REFUNDED_CANCELLED, CANCELLED = 190, 200, 250
SHARE_SCENES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13)
DELIVERY_COMPANIES = (
    ("SF", "顺丰速运"),
    ("YTO", "圆通速递"),
    ("ZTO", "中通快递"),
    ("STO", "申通快递"),
    ("YD", "韵达速递"),
    ("JD", "京东物流"),
    ("EMS", "中国邮政EMS"),
    ("DBL", "德邦快递"),
    ("OTHER", "其他"),
)
_COMPANY_NAMES = dict(DELIVERY_COMPANIES)


# -- state --------------------------------------------------------------------------------------------------------


def load(sandbox: Any, appid: str, order_id: Any) -> dict[str, Any]:
    oid = id_of(order_id, 100002)
    row = sandbox.state.one("SELECT doc FROM store_orders WHERE order_id = ? AND appid = ?", (oid, appid))
    if row is None:
        raise StoreError(100002)
    return json.loads(row["doc"])


def save(sandbox: Any, order: dict[str, Any], *, touch: bool = True) -> None:
    if touch:
        order["update_time"] = sandbox.clock.timestamp()
    sandbox.state.execute(
        "UPDATE store_orders SET status = ?, update_time = ?, doc = ? WHERE order_id = ?",
        (order["status"], order["update_time"], json.dumps(order, ensure_ascii=False), order["order_id"]),
    )


def _event(sandbox: Any, appid: str, order: dict[str, Any], event: str, **fields: Any) -> None:
    app = sandbox.config.app(appid)
    if app is not None:
        info = {"order_id": int(order["order_id"]), **fields}
        push.emit(sandbox, app, event, order["order_id"], {"order_info": info}, order["openid"])


def _give_back_stock(sandbox: Any, order: dict[str, Any]) -> None:
    for line in order["order_detail"]["product_infos"]:
        sandbox.state.execute(
            "UPDATE store_skus SET stock = stock + ?, sold = MAX(sold - ?, 0) WHERE sku_id = ?",
            (line["sku_cnt"], line["sku_cnt"], line["sku_id"]),
        )


def cancel(sandbox: Any, appid: str, order: dict[str, Any], cancel_type: int) -> None:
    """Cancel in the caller's transaction: unpaid → 250 with stock back; paid + oversold → 190;
    every item refunded → 200."""
    if cancel_type in (1, 2):
        _give_back_stock(sandbox, order)
        order["status"] = CANCELLED
        app = sandbox.config.app(appid)
        if app is not None:
            coupons.give_back(sandbox, app, order)
    else:
        order["status"] = OVERSOLD_CANCELLED if cancel_type == 4 else REFUNDED_CANCELLED
    timers.cancel(sandbox, "pay_timeout", order["order_id"])
    timers.cancel(sandbox, "auto_confirm", order["order_id"])
    save(sandbox, order)
    _event(sandbox, appid, order, "channels_ec_order_cancel", cancel_type=cancel_type)


def _appid_of(sandbox: Any, order_id: str) -> tuple[str, dict[str, Any]] | None:
    row = sandbox.state.one("SELECT appid, doc FROM store_orders WHERE order_id = ?", (order_id,))
    return (row["appid"], json.loads(row["doc"])) if row else None


def run_pay_timeout(sandbox: Any, order_id: str) -> None:
    found = _appid_of(sandbox, order_id)
    if found and found[1]["status"] == UNPAID:
        cancel(sandbox, found[0], found[1], 2)


def confirm(sandbox: Any, appid: str, order: dict[str, Any], confirm_type: int) -> None:
    order["status"] = DONE
    order["order_detail"]["ext_info"]["confirm_receipt_time"] = sandbox.clock.timestamp()
    timers.cancel(sandbox, "auto_confirm", order["order_id"])
    save(sandbox, order)
    _event(sandbox, appid, order, "channels_ec_order_confirm", confirm_type=confirm_type)
    delay = store_settings.load(sandbox).settle_seconds_after_confirm
    if delay:
        timers.schedule(sandbox, "settle", order["order_id"], delay)


def run_settle(sandbox: Any, order_id: str) -> None:
    """Timer handler: the platform settles a completed order to the merchant (§5.5 channels_ec_order_settle)."""
    found = _appid_of(sandbox, order_id)
    if not found or found[1]["status"] != DONE:
        return
    appid, order = found
    now = sandbox.clock.timestamp()
    settle = order["order_detail"]["settle_info"]
    settle |= {"settle_time": now, "commission_fee": settle["predict_commission_fee"]}
    for commission in order["order_detail"]["commission_infos"]:
        commission["status"] = 2  # 已结算
    save(sandbox, order)
    _event(sandbox, appid, order, "channels_ec_order_settle", settle_time=now)


def run_auto_confirm(sandbox: Any, order_id: str) -> None:
    found = _appid_of(sandbox, order_id)
    if found and found[1]["status"] == SHIPPED:
        confirm(sandbox, found[0], found[1], 2)


def shipped_counts(order: dict[str, Any]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for parcel in order["order_detail"]["delivery_info"]["delivery_product_info"]:
        for item in parcel["product_infos"]:
            key = (item["product_id"], item["sku_id"])
            counts[key] = counts.get(key, 0) + item["product_cnt"]
    return counts


def remaining(order: dict[str, Any]) -> dict[tuple[str, str], int]:
    """Per line: items neither shipped nor refunded."""
    shipped = shipped_counts(order)
    left = {}
    for line in order["order_detail"]["product_infos"]:
        key = (line["product_id"], line["sku_id"])
        left[key] = line["sku_cnt"] - line["finish_aftersale_sku_cnt"] - shipped.get(key, 0)
    return left


def recompute_prices(order: dict[str, Any]) -> None:
    lines = order["order_detail"]["product_infos"]
    price = order["order_detail"]["price_info"]
    product_price = sum(line["sale_price"] * line["sku_cnt"] for line in lines)
    paid_lines = sum(line["real_price"] for line in lines)
    discounted = sum(line["merchant_discounted_price"] for line in lines)
    price.update(
        product_price=product_price,
        discounted_price=discounted,
        is_discounted=discounted > 0,
        merchant_discounted_price=discounted,
        order_price=paid_lines + price["freight"],
        change_down_price=max(
            0, price["original_order_price"] - (paid_lines + price["freight"]) - discounted
        ),
    )
    price["merchant_receieve_price"] = price["order_price"]


# -- buyer side (control API) -------------------------------------------------------------------------------------


def _address(sandbox: Any, user: dict[str, Any], raw: Any) -> dict[str, Any]:
    given = raw if isinstance(raw, dict) else {}
    address = {
        "user_name": user["nickname"],
        "postal_code": "518000",
        "province_name": user.get("province") or "广东省",
        "city_name": user.get("city") or "深圳市",
        "county_name": "南山区",
        "detail_info": "科技园科苑路 15 号",
        "national_code": "440305",
        "tel_number": user.get("phone") or "13800000000",
        "house_number": "",
    }
    for key in address:
        if key in given:
            if not isinstance(given[key], str) or len(given[key]) > 200:
                raise ControlError("invalid_request", f"address.{key} 需为不超过 200 字的文本")
            address[key] = given[key]
    return address


def _line(sandbox: Any, appid: str, item: Any) -> tuple[dict[str, Any], categories.Category]:
    if not isinstance(item, dict):
        raise ControlError("invalid_request", "items 的每一项需为 {product_id, sku_id, count}")
    product_id, sku_id, count = (
        str(item.get("product_id", "")),
        str(item.get("sku_id", "")),
        item.get("count", 1),
    )
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 999:
        raise ControlError("invalid_request", "count 需为 1-999 的整数")
    row = sandbox.state.one(
        "SELECT status, online FROM store_products WHERE product_id = ? AND appid = ?", (product_id, appid)
    )
    if row is None:
        raise ControlError("not_found", "没有这个商品", 404)
    if row["status"] != ON_SALE or row["online"] is None:
        raise ControlError("not_on_sale", "商品未上架", 409)
    spu = json.loads(row["online"])
    sku = next((s for s in spu["skus"] if s["sku_id"] == sku_id), None)
    if sku is None:
        raise ControlError("not_found", "商品没有这个 sku", 404)
    leaf = categories.BY_ID[spu["cats_v2"][-1]["cat_id"]]
    total = sku["sale_price"] * count
    line = {
        "product_id": product_id,
        "sku_id": sku_id,
        "sku_cnt": count,
        "sku_code": sku["sku_code"],
        "title": spu["title"],
        "thumb_img": sku["thumb_img"] or spu["head_imgs"][0],
        "sku_attrs": sku["sku_attrs"],
        "market_price": sku["market_price"],
        "sale_price": sku["sale_price"],
        "real_price": total,
        "estimate_price": total,
        "is_discounted": False,
        "merchant_discounted_price": 0,
        "finder_discounted_price": 0,
        "is_change_price": False,
        "change_price": 0,
        "on_aftersale_sku_cnt": 0,
        "finish_aftersale_sku_cnt": 0,
        "out_product_id": spu["out_product_id"],
        "out_sku_id": sku["out_sku_id"],
        "extra_service": {
            "seven_day_return": int(bool(spu["extra_service"].get("seven_day_return", 0))),
            "freight_insurance": int(bool(spu["extra_service"].get("freight_insurance", 0))),
        },
        "order_product_coupon_info_list": [],
        "sku_deliver_info": {"stock_type": 0},
        "deliver_method": spu["deliver_method"],
    }
    return line, leaf


def _take_stock(sandbox: Any, appid: str, line: dict[str, Any]) -> None:
    taken = sandbox.state.execute(
        "UPDATE store_skus SET stock = stock - ?, sold = sold + ? WHERE sku_id = ? AND stock >= ?",
        (line["sku_cnt"], line["sku_cnt"], line["sku_id"], line["sku_cnt"]),
    ).rowcount
    if not taken:
        raise ControlError("out_of_stock", "库存不足", 409)
    left = sandbox.state.scalar("SELECT stock FROM store_skus WHERE sku_id = ?", (line["sku_id"],))
    app = sandbox.config.app(appid)
    if left == 0 and app is not None:
        body = {"product_id": line["product_id"], "sku_id": line["sku_id"], "remaining_stock_amount": 0,
                "remaining_code_amount": 0}  # fmt: skip
        push.emit(
            sandbox,
            app,
            "channels_ec_stock_no_enough",
            line["product_id"],
            {"channels_ec_stock_no_enough": body},
        )


def _content(sandbox: Any, app: AppConfig, data: dict[str, Any], lines: list[dict]) -> Any:
    """The finder_id a known live session or video implies, after checking the buyer could order the items
    there: a live session must be on air with every item on its shelf, a video's items its card product.
    Ids the sandbox does not know stay free-form (attribution only)."""
    finder_id, live_id, video_id = data.get("finder_id"), data.get("live_id"), data.get("video_id")
    if isinstance(live_id, str) and (row := lives.live_row(sandbox, live_id, app.appid)) is not None:
        if row["status"] != lives.LIVE:
            raise ControlError("live_not_live", "直播未在进行中", 409)
        allowed = set(lives.shelf_ids(sandbox, live_id))
        if any(line["product_id"] not in allowed for line in lines):
            raise ControlError("not_on_shelf", "商品不在直播间购物袋中", 409)
    elif isinstance(video_id, str) and (row := videos.video_row(sandbox, video_id, app.appid)) is not None:
        if any(line["product_id"] != row["product_id"] for line in lines):
            raise ControlError("not_on_card", "商品不是该短视频挂载的商品", 409)
    else:
        return finder_id
    if finder_id is not None and finder_id != row["finder_id"]:
        raise ControlError("finder_mismatch", "finder_id 与直播/短视频所属视频号不一致", 409)
    return row["finder_id"]


def _sharer_info(sandbox: Any, app: AppConfig, sharer: Any, default_scene: int) -> dict[str, Any]:
    if not isinstance(sharer, dict) or sandbox.users.get(str(sharer.get("user", ""))) is None:
        raise ControlError("invalid_request", "sharer 需为 {user, share_scene}，user 为沙箱用户")
    share_scene = sharer.get("share_scene", default_scene)
    if share_scene not in SHARE_SCENES or isinstance(share_scene, bool):
        raise ControlError("invalid_request", f"share_scene 需为 {SHARE_SCENES} 之一")
    row = sharers.bound(sandbox, app.appid, str(sharer["user"]))
    if row is None:
        raise ControlError("sharer_not_bound", "该用户不是本店分享员", 409)
    return {
        "sharer_openid": row["openid"],
        "sharer_unionid": sandbox.users.unionid(row["user_id"], app.appid) or "",
        "sharer_type": row["sharer_type"],
        "share_scene": share_scene,
        "handling_progress": 1,
    }


def _attribution(sandbox: Any, app: AppConfig, data: dict[str, Any], lines: list[dict], user: dict) -> dict:
    """ext_info / source_infos / sharer_info from the buyer's path to the product (§5.3, §8.3)."""
    ext: dict[str, Any] = {"customer_notes": "", "merchant_notes": "", "confirm_receipt_time": 0}
    detail: dict[str, Any] = {"source_infos": [], "sku_sharer_infos": []}
    scene = data.get("order_scene", 1)
    live_id, video_id = data.get("live_id"), data.get("video_id")
    finder_id = _content(sandbox, app, data, lines)
    share_scene = 5  # 商品详情页
    if finder_id is not None:
        bound = shop.finder(sandbox, app.appid, finder_id) if isinstance(finder_id, str) else None
        if bound is None:
            raise ControlError("finder_not_bound", "该视频号未绑定本店", 409)
        content_type, content_id = 0, ""
        if live_id is not None:
            content_type, content_id, scene, share_scene = 1, live_id, data.get("order_scene", 2), 1
        elif video_id is not None:
            content_type, content_id, scene, share_scene = 2, video_id, data.get("order_scene", 3), 3
        if not isinstance(content_id, str) or len(content_id) > 128:
            raise ControlError("invalid_request", "live_id / video_id 需为不超过 128 字的文本")
        ext |= {"finder_id": finder_id, "live_id": live_id or ""}
        detail["source_infos"] = [
            {"sku_id": line["sku_id"], "sale_channel": 0, "account_type": 1, "account_id": finder_id,
             "account_nickname": bound["nickname"], "content_type": content_type, "content_id": content_id}
            for line in lines
        ]  # fmt: skip
    elif live_id is not None or video_id is not None:
        raise ControlError("invalid_request", "live_id / video_id 需要 finder_id")
    if data.get("promoter") is not None:
        if finder_id is not None:
            raise ControlError(
                "invalid_request", "promoter（联盟达人）与 finder_id / live_id / video_id 不能同时指定"
            )
        row = league.promoter(sandbox, app.appid, str(data["promoter"]))
        if row is None or row["status"] != league.ACCEPTED:
            raise ControlError("promoter_not_cooperating", "该达人未与本店建立带货合作", 409)
        detail["source_infos"] = [
            {"sku_id": line["sku_id"], "sale_channel": 100, "account_type": 1, "account_id": row["finder_id"],
             "account_nickname": row["nickname"], "content_type": 0, "content_id": ""}
            for line in lines
        ]  # fmt: skip
    if scene not in (1, 2, 3, 4, 5, 6) or isinstance(scene, bool):
        raise ControlError("invalid_request", "order_scene 需为 1-6")
    ext["order_scene"] = scene
    if data.get("sharer") is not None:
        info = _sharer_info(sandbox, app, data["sharer"], share_scene)
        detail["sharer_info"] = info
        detail["sku_sharer_infos"] = [
            info | {"sku_id": line["sku_id"], "from_wecom": False} for line in lines
        ]
    notes = data.get("customer_notes", "")
    if not isinstance(notes, str) or len(notes) > 200:
        raise ControlError("invalid_request", "customer_notes 需为不超过 200 字的文本")
    ext["customer_notes"] = notes
    return {"ext_info": ext, **detail}


def _commissions(sandbox: Any, app: AppConfig, promoter: Any, lines: list[dict]) -> list[dict[str, Any]]:
    """commission_infos of a line sold by an alliance creator, at the ratio of the plan that lets them
    (league.py), on what the buyer pays for the line: status 1 未结算 until the order settles."""
    if promoter is None:
        return []
    row = league.promoter(sandbox, app.appid, str(promoter))
    found = []
    for line in lines:
        ratio = league.commission_ratio(sandbox, app.appid, line["product_id"], row["finder_id"])
        if ratio is None:
            raise ControlError("not_in_alliance", "该商品没有对此达人生效的优选联盟推广计划", 409)
        found.append({"sku_id": line["sku_id"], "nickname": row["nickname"], "type": 0, "status": 1,
                      "amount": line["real_price"] * ratio // 100, "finder_id": row["finder_id"],
                      "openfinderid": "", "talent_id": "", "agency_id": ""})  # fmt: skip
    return found


def place(sandbox: Any, app: AppConfig, data: dict[str, Any]) -> dict[str, Any]:
    """Create an unpaid order (the buyer's checkout) in one transaction; returns the order object."""
    user = sandbox.users.get(str(data.get("user", "")))
    if user is None:
        raise ControlError("not_found", "没有这个沙箱用户", 404)
    items = data.get("items")
    if items is None:
        items = [{k: data[k] for k in ("product_id", "sku_id", "count") if k in data}]
    if not isinstance(items, list) or not 1 <= len(items) <= 50:
        raise ControlError("invalid_request", "items 需为 1-50 项")
    freight = data.get("freight", 0)
    if isinstance(freight, bool) or not isinstance(freight, int) or not 0 <= freight <= 100_000:
        raise ControlError("invalid_request", "freight 需为 0-100000 的整数（分）")
    now = sandbox.clock.timestamp()
    settings = store_settings.load(sandbox)
    with sandbox.state.transaction():
        built = [_line(sandbox, app.appid, item) for item in items]
        lines = [line for line, _ in built]
        if len({(line["product_id"], line["sku_id"]) for line in lines}) != len(lines):
            raise ControlError("invalid_request", "同一 sku 只能出现一次")
        attribution = _attribution(sandbox, app, data, lines, user)
        coupon = None
        if data.get("user_coupon_id") is not None:
            coupon = coupons.apply_to_order(sandbox, app, user["id"], lines, data["user_coupon_id"])
        commissions = _commissions(sandbox, app, data.get("promoter"), lines)
        for line in lines:
            _take_stock(sandbox, app.appid, line)
        order_id = next_id(sandbox, "order", ORDER_ID_START)
        methods = [line.pop("deliver_method") for line in lines]
        deliver_method = 1 if all(m != 0 for m in methods) else 0  # 1: virtual, no parcel needed
        product_price = sum(line["sale_price"] * line["sku_cnt"] for line in lines)
        discounted = sum(line["merchant_discounted_price"] for line in lines)
        paid = product_price - discounted + freight
        fee = sum(line["real_price"] * leaf.fee_basis_point // 10000 for line, leaf in built)
        openid = sandbox.users.openid(user["id"], app.appid)
        order: dict[str, Any] = {
            "order_id": order_id,
            "status": UNPAID,
            "create_time": now,
            "update_time": now,
            "openid": openid,
            "unionid": sandbox.users.unionid(user["id"], app.appid) or "",
            "order_detail": {
                "product_infos": lines,
                "pay_info": {"prepay_id": "wx" + order_id, "prepay_time": now, "payment_method": 1},
                "price_info": {
                    "product_price": product_price,
                    "order_price": paid,
                    "freight": freight,
                    "discounted_price": discounted,
                    "is_discounted": discounted > 0,
                    "original_order_price": product_price + freight,
                    "estimate_product_price": product_price - discounted,
                    "change_down_price": 0,
                    "change_freight": 0,
                    "is_change_freight": False,
                    "merchant_receieve_price": paid,
                    "merchant_discounted_price": discounted,
                    "finder_discounted_price": 0,
                },
                "delivery_info": {
                    "deliver_method": deliver_method,
                    "address_info": _address(sandbox, user, data.get("address")),
                    "delivery_product_info": [],
                    "ship_done_time": 0,
                },
                "settle_info": {"predict_commission_fee": fee, "commission_fee": 0},
                "commission_infos": commissions,
                **attribution,
            },
            "aftersale_detail": {"on_aftersale_order_cnt": 0, "aftersale_order_list": []},
        }
        sandbox.state.execute(
            "INSERT INTO store_orders (order_id, appid, user_id, openid, status, create_time, update_time, doc)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                order_id,
                app.appid,
                user["id"],
                openid,
                UNPAID,
                now,
                now,
                json.dumps(order, ensure_ascii=False),
            ),
        )
        _event(sandbox, app.appid, order, "channels_ec_order_new")
        if coupon is not None:
            coupons.used(sandbox, app, coupon, order_id, openid)
        if settings.pay_timeout_seconds:
            timers.schedule(sandbox, "pay_timeout", order_id, settings.pay_timeout_seconds)
    return order


def pay(sandbox: Any, appid: str, order: dict[str, Any]) -> None:
    now = sandbox.clock.timestamp()
    order["status"] = PAID
    order["order_detail"]["pay_info"] |= {
        "pay_time": now,
        "transaction_id": "42000" + order["order_id"][-15:],
    }
    for line in order["order_detail"]["product_infos"]:
        line["delivery_deadline"] = now + 2 * 86400
    timers.cancel(sandbox, "pay_timeout", order["order_id"])
    save(sandbox, order)
    _event(sandbox, appid, order, "channels_ec_order_pay", pay_time=now)
    if store_settings.load(sandbox).push_wait_shipping:
        _event(sandbox, appid, order, "channels_ec_order_wait_shipping")


def _mask(address: dict[str, Any]) -> dict[str, Any]:
    tel = address["tel_number"]
    return address | {
        "user_name": address["user_name"][:1] + "*" * max(1, len(address["user_name"]) - 1),
        "tel_number": tel[:3] + "****" + tel[-4:] if len(tel) >= 7 else "***",
        "detail_info": "***",
    }


# -- WeChat's endpoints ---------------------------------------------------------------------------------------------


def _page_key(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _page_after(key: Any, shape: int) -> list[Any] | None:
    if not key:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(str(key).encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(40097, "next_key") from exc
    if not isinstance(values, list) or len(values) != shape or len(str(key)) > 200:
        raise StoreError(40097, "next_key")
    return values


def _range(data: dict[str, Any], name: str, limit: int, errcode: int) -> tuple[int, int] | None:
    raw = data.get(name)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise StoreError(47001, name)
    start, end = int_of(raw, "start_time", lo=0), int_of(raw, "end_time", lo=0)
    if end < start or end - start > limit:
        raise StoreError(errcode, name)
    return start, end


@store_api()
async def list_get(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    settings = store_settings.load(sandbox)
    limit, errcode = settings.order_range_max_seconds, settings.order_range_errcode
    created = _range(data, "create_time_range", limit, errcode)
    updated = _range(data, "update_time_range", limit, errcode)
    if created is None and updated is None:
        raise StoreError(errcode, "create_time_range 或 update_time_range 必填")
    page_size = int_of(data, "page_size", 10, lo=1, hi=settings.order_page_size_max)
    column = "create_time" if created is not None else "update_time"
    where, params = "appid = ?", [shop_app.appid]
    for name, bounds in (("create_time", created), ("update_time", updated)):
        if bounds is not None:
            where += f" AND {name} BETWEEN ? AND ?"
            params += list(bounds)
    if data.get("status") is not None:
        where += " AND status = ?"
        params.append(int_of(data, "status", lo=0, hi=1000))
    if data.get("openid"):
        where += " AND openid = ?"
        params.append(text_of(data, "openid", limit=64))
    after = _page_after(data.get("next_key"), 2)
    if after is not None:
        where += f" AND ({column}, order_id) > (?, ?)"
        params += [int(after[0]), str(after[1])]
    rows = sandbox.state.query(
        f"SELECT order_id, {column} AS t FROM store_orders WHERE {where} ORDER BY {column}, order_id LIMIT ?",
        [*params, page_size + 1],
    )
    page = rows[:page_size]
    key = _page_key([page[-1]["t"], page[-1]["order_id"]]) if page else data.get("next_key") or ""
    return {
        "order_id_list": [r["order_id"] for r in page],
        "next_key": key,
        "has_more": len(rows) > page_size,
    }


@store_api()
async def get(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    order = load(sandbox, shop_app.appid, data.get("order_id"))
    encode = data.get("encode_sensitive_info", False)
    if not isinstance(encode, bool):
        raise StoreError(47001, "encode_sensitive_info")
    if encode:
        info = order["order_detail"]["delivery_info"]
        info["address_info"] = _mask(info["address_info"])
    return {"order": order}


@store_api()
async def decode_sensitive(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    order = load(sandbox, shop_app.appid, data.get("order_id"))
    address = order["order_detail"]["delivery_info"]["address_info"]
    return {"address_info": address | {"virtual_order_tel_number": ""}, "virtual_number_info": {}}


_SEARCH_FIELDS = (
    "title",
    "sku_code",
    "user_name",
    "tel_number_last4",
    "order_id",
    "merchant_notes",
    "customer_notes",
)


def _matches(order: dict[str, Any], condition: dict[str, str]) -> bool:
    detail = order["order_detail"]
    address = detail["delivery_info"]["address_info"]
    checks = {
        "title": lambda v: any(v in line["title"] for line in detail["product_infos"]),
        "sku_code": lambda v: any(v == line["sku_code"] for line in detail["product_infos"]),
        "user_name": lambda v: v == address["user_name"],
        "tel_number_last4": lambda v: address["tel_number"].endswith(v),
        "order_id": lambda v: v == order["order_id"],
        "merchant_notes": lambda v: v in detail["ext_info"]["merchant_notes"],
        "customer_notes": lambda v: v in detail["ext_info"]["customer_notes"],
    }
    return all(checks[name](value) for name, value in condition.items())


@store_api()
async def search(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    settings = store_settings.load(sandbox)
    raw = dict_of(data, "search_condition")
    condition = {}
    for name, value in raw.items():
        if name not in _SEARCH_FIELDS:
            continue
        if not isinstance(value, str) or len(value) > 200:
            raise StoreError(47001, f"search_condition.{name}")
        if value:
            condition[name] = value
    page_size = int_of(data, "page_size", 10, lo=1, hi=settings.order_page_size_max)
    status = int_of(data, "status", lo=0, hi=1000) if data.get("status") is not None else None
    aftersale = data.get("on_aftersale_order_exist")
    if aftersale not in (None, 0, 1):
        raise StoreError(40097, "on_aftersale_order_exist")
    after = _page_after(data.get("next_key"), 1)
    rows = sandbox.state.query(
        "SELECT order_id, doc FROM store_orders WHERE appid = ? AND order_id > ? ORDER BY order_id",
        (shop_app.appid, str(after[0]) if after else ""),
    )
    found: list[str] = []
    more = False
    for row in rows:
        order = json.loads(row["doc"])
        if status is not None and order["status"] != status:
            continue
        in_progress = order["aftersale_detail"]["on_aftersale_order_cnt"] > 0
        if aftersale is not None and in_progress != bool(aftersale):
            continue
        if not _matches(order, condition):
            continue
        if len(found) == page_size:
            more = True
            break
        found.append(order["order_id"])
    return {"orders": found, "next_key": _page_key([found[-1]]) if found else "", "has_more": more}


@store_api()
async def price_update(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    changes = list_of(data, "change_order_infos")
    change_express = data.get("change_express", False)
    if not isinstance(change_express, bool):
        raise StoreError(47001, "change_express")
    if not changes and not change_express:
        raise StoreError(40097, "change_order_infos")
    with sandbox.state.transaction():
        order = load(sandbox, shop_app.appid, data.get("order_id"))
        if order["status"] != UNPAID:
            raise StoreError(10020001, "只能修改待付款订单的价格")
        lines = {
            (line["product_id"], line["sku_id"]): line for line in order["order_detail"]["product_infos"]
        }
        for change in changes:
            if not isinstance(change, dict):
                raise StoreError(47001, "change_order_infos")
            key = (id_of(change.get("product_id"), 10020000), id_of(change.get("sku_id"), 10020000))
            if key not in lines:
                raise StoreError(109000, "change_order_infos")
            new_total = int_of(
                change, "change_price", lo=0, hi=lines[key]["sale_price"] * lines[key]["sku_cnt"]
            )
            lines[key] |= {"real_price": new_total, "is_change_price": True, "change_price": new_total}
        price = order["order_detail"]["price_info"]
        if change_express:
            fee = int_of(data, "express_fee", lo=0, hi=100_000)
            price |= {"change_freight": price["freight"] - fee, "is_change_freight": True, "freight": fee}
        recompute_prices(order)
        save(sandbox, order)
    return {}


@store_api()
async def merchant_notes(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    notes = text_of(data, "merchant_notes", limit=200)
    with sandbox.state.transaction():
        order = load(sandbox, shop_app.appid, data.get("order_id"))
        order["order_detail"]["ext_info"]["merchant_notes"] = notes
        save(sandbox, order)
    return {}


@store_api(get_ok=True)
async def delivery_companies(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    return {
        "company_list": [{"delivery_id": code, "delivery_name": name} for code, name in DELIVERY_COMPANIES]
    }


def _parcel_items(
    order: dict[str, Any], parcel: dict[str, Any], left: dict[tuple[str, str], int]
) -> list[dict]:
    everything = parcel.get("is_all_product", False)
    if not isinstance(everything, bool):
        raise StoreError(47001, "is_all_product")
    items = parcel.get("product_infos") or []
    if not isinstance(items, list):
        raise StoreError(47001, "product_infos")
    if everything:
        chosen = [{"product_id": p, "sku_id": s, "product_cnt": n} for (p, s), n in left.items() if n > 0]
        for key in left:
            left[key] = 0  # a second parcel in the same call has nothing left
        return chosen
    if not items:
        raise StoreError(109002)
    chosen = []
    for item in items:
        if not isinstance(item, dict):
            raise StoreError(47001, "product_infos")
        key = (id_of(item.get("product_id"), 109000), id_of(item.get("sku_id"), 109000))
        count = int_of(item, "product_cnt", lo=1, hi=10_000)
        if key not in left or count > left[key]:
            raise StoreError(109000, "product_infos")
        left[key] -= count
        chosen.append({"product_id": key[0], "sku_id": key[1], "product_cnt": count})
    return chosen


@store_api()
async def delivery_send(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    parcels = list_of(data, "delivery_list")
    if not parcels:
        raise StoreError(109002)
    settings = store_settings.load(sandbox)
    with sandbox.state.transaction():
        order = load(sandbox, shop_app.appid, data.get("order_id"))
        if order["status"] not in (PAID, PART_SHIPPED):
            raise StoreError(101100)
        if order["aftersale_detail"]["on_aftersale_order_cnt"] > 0:
            raise StoreError(108009)
        left = remaining(order)
        if not any(n > 0 for n in left.values()):
            raise StoreError(109001)
        virtual = order["order_detail"]["delivery_info"]["deliver_method"] == 1
        now = sandbox.clock.timestamp()
        new_parcels = []
        for parcel in parcels:
            if not isinstance(parcel, dict):
                raise StoreError(47001, "delivery_list")
            deliver_type = int_of(parcel, "deliver_type", 1, lo=1, hi=4)
            if deliver_type == 3 and not virtual:
                raise StoreError(
                    settings.virtual_delivery_errcode,
                    "deliver_type不正确,使用虚拟发货请检查商品deliver_method是否符合要求",
                )
            company = parcel.get("delivery_id", "")
            waybill = parcel.get("waybill_id", "")
            if deliver_type != 3:
                if company not in _COMPANY_NAMES:
                    raise StoreError(109000, "delivery_id")
                if not isinstance(waybill, str) or not waybill.isascii() or not 4 <= len(waybill) <= 64:
                    raise StoreError(109000, "waybill_id")
            items = _parcel_items(order, parcel, left)
            if not items:
                raise StoreError(109001)
            new_parcels.append(
                {
                    "waybill_id": waybill if deliver_type != 3 else "",
                    "delivery_id": company if deliver_type != 3 else "",
                    "delivery_name": _COMPANY_NAMES.get(company, "") if deliver_type != 3 else "",
                    "delivery_time": now,
                    "deliver_type": deliver_type,
                    "product_infos": items,
                }
            )
        order["order_detail"]["delivery_info"]["delivery_product_info"] += new_parcels
        done = not any(n > 0 for n in remaining(order).values())
        order["status"] = SHIPPED if done else PART_SHIPPED
        if done:
            order["order_detail"]["delivery_info"]["ship_done_time"] = now
        save(sandbox, order)
        _event(sandbox, shop_app.appid, order, "channels_ec_order_deliver", finish_delivery=int(done))
        if done and settings.auto_confirm:
            timers.schedule(sandbox, "auto_confirm", order["order_id"], settings.auto_confirm_seconds)
    return {}


# -- control API ----------------------------------------------------------------------------------------------------


@control_api
async def orders_route(request: Request, sandbox: Any) -> Any:
    if request.method == "GET":
        app = shop_of(sandbox, request.query_params.get("appid"))
        rows = sandbox.state.query(
            "SELECT order_id, user_id, status, create_time FROM store_orders WHERE appid = ? ORDER BY order_id"
            " LIMIT 10000",
            (app.appid,),
        )
        return {"orders": [dict(r) for r in rows]}
    data = await read_json(request)
    app = shop_of(sandbox, data.get("appid"))
    return json_response({"order": place(sandbox, app, data)}, 201)


def _control_order(sandbox: Any, request: Request) -> tuple[str, dict[str, Any]]:
    found = _appid_of(sandbox, request.path_params["order_id"])
    if found is None:
        raise ControlError("not_found", "没有这个订单", 404)
    return found


@control_api
async def order_route(request: Request, sandbox: Any) -> Any:
    return {"order": _control_order(sandbox, request)[1]}


@control_api
async def order_action_route(request: Request, sandbox: Any) -> Any:
    """``POST /sandbox/store/orders/{id}/pay | cancel | confirm`` — what the buyer (or platform) does."""
    action = request.path_params["action"]
    data = await read_json(request)
    with sandbox.state.transaction():
        appid, order = _control_order(sandbox, request)
        status = order["status"]
        if action == "pay":
            if status != UNPAID:
                raise ControlError("invalid_state", "订单不是待付款", 409)
            pay(sandbox, appid, order)
        elif action == "cancel":
            cancel_type = data.get("cancel_type", 1)
            if cancel_type == 1 and status == UNPAID:
                cancel(sandbox, appid, order, 1)
            elif cancel_type == 4 and status == PAID:
                cancel(sandbox, appid, order, 4)
            else:
                raise ControlError(
                    "invalid_state", "买家只能取消待付款订单；cancel_type 4（超卖）只用于待发货订单", 409
                )
        elif action == "confirm":
            if status != SHIPPED:
                raise ControlError("invalid_state", "订单不是待收货", 409)
            confirm(sandbox, appid, order, 1)
        else:
            raise ControlError("not_found", "unknown action", 404)
    return {"order": _appid_of(sandbox, order["order_id"])[1]}


routes = [
    Route("/channels/ec/order/list/get", list_get, methods=["GET", "POST"], name="store.order.list"),
    Route("/channels/ec/order/get", get, methods=["GET", "POST"], name="store.order.get"),
    Route("/channels/ec/order/search", search, methods=["GET", "POST"], name="store.order.search"),
    Route("/channels/ec/order/price/update", price_update, methods=["GET", "POST"], name="store.order.price"),
    Route(
        "/channels/ec/order/merchantnotes/update",
        merchant_notes,
        methods=["GET", "POST"],
        name="store.order.notes",
    ),
    Route(
        "/channels/ec/order/sensitiveinfo/decode",
        decode_sensitive,
        methods=["GET", "POST"],
        name="store.order.decode",
    ),
    Route(
        "/channels/ec/order/deliverycompanylist/get",
        delivery_companies,
        methods=["GET", "POST"],
        name="store.order.companies",
    ),
    Route(
        "/channels/ec/order/deliverycompanylist/new/get",
        delivery_companies,
        methods=["GET", "POST"],
        name="store.order.companies_new",
    ),
    Route(
        "/channels/ec/order/delivery/send", delivery_send, methods=["GET", "POST"], name="store.order.deliver"
    ),
]
control_routes = [
    Route("/sandbox/store/orders", orders_route, methods=["GET", "POST"], name="sandbox.store.orders"),
    Route("/sandbox/store/orders/{order_id}", order_route, methods=["GET"], name="sandbox.store.order"),
    Route(
        "/sandbox/store/orders/{order_id}/{action}",
        order_action_route,
        methods=["POST"],
        name="sandbox.store.order_action",
    ),
]
