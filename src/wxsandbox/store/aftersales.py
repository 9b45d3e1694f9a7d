"""After-sales (售后) per reference §6: the buyer applies through the control API, the shop accepts or
rejects, the platform refunds.

  buyer applies ─► MERCHANT_PROCESSING
    REFUND:  acceptapply ─► MERCHANT_REFUND_SUCCESS          | rejectapply ─► MERCHANT_REJECT_REFUND
    RETURN:  acceptapply(address_id) ─► USER_WAIT_RETURN ─buyer ships─► MERCHANT_WAIT_RECEIPT
             ─acceptapply─► MERCHANT_RETURN_SUCCESS          | rejectapply ─► MERCHANT_REJECT_RETURN
    buyer cancels (any non-terminal) ─► USER_CANCELD
  merchant starts one for the buyer (genaftersaleorder, idempotent by request_id)
    ─► USER_WAIT_HANDLE_MERCHANT_AFTER_SALE ─buyer confirms─► REFUND: refunded at once │ RETURN: USER_WAIT_RETURN
                                            ─buyer declines─► USER_CANCELD
    (``store.merchant_aftersale_confirm = "auto"`` skips the buyer: unconfirmed how long WeChat waits)

Every transition pushes ``channels_ec_aftersale_update``. While one is open the order's line counts it in
``on_aftersale_sku_cnt`` (and delivery/send answers 108009); a refund moves the count to
``finish_aftersale_sku_cnt``; when every item of the order is refunded the order becomes 200 and
``channels_ec_order_cancel`` (cancel_type 3) follows. Refunds do not return stock (§4.5). Two refunds of
one order within ``refund_per_order_interval_seconds`` answer 10021059.
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
from wxsandbox.store import orders, push
from wxsandbox.store import settings as store_settings
from wxsandbox.store.errors import StoreError
from wxsandbox.store.http import control_api, id_of, int_of, shop_of, store_api, text_of
from wxsandbox.store.products import next_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_aftersales (
    after_sale_order_id TEXT PRIMARY KEY,
    appid        TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    status       TEXT NOT NULL,
    create_time  INTEGER NOT NULL,
    update_time  INTEGER NOT NULL,
    refunded_at  REAL,
    doc          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS store_aftersales_created ON store_aftersales (appid, create_time, after_sale_order_id);
CREATE INDEX IF NOT EXISTS store_aftersales_updated ON store_aftersales (appid, update_time, after_sale_order_id);
CREATE INDEX IF NOT EXISTS store_aftersales_order ON store_aftersales (order_id);
"""

AFTER_SALE_ID_START = 2000000000000000000
PROCESSING, WAIT_RETURN, WAIT_RECEIPT = "MERCHANT_PROCESSING", "USER_WAIT_RETURN", "MERCHANT_WAIT_RECEIPT"
REFUNDED, RETURNED = "MERCHANT_REFUND_SUCCESS", "MERCHANT_RETURN_SUCCESS"
REJECT_REFUND, REJECT_RETURN, CANCELLED = "MERCHANT_REJECT_REFUND", "MERCHANT_REJECT_RETURN", "USER_CANCELD"
WAIT_BUYER = "USER_WAIT_HANDLE_MERCHANT_AFTER_SALE"  # a merchant-initiated after-sale the buyer must confirm
OPEN = (PROCESSING, WAIT_RETURN, WAIT_RECEIPT, WAIT_BUYER)
# The legacy numbers order/get shows in aftersale_detail.aftersale_order_list[].status (§6.3)
LEGACY_STATUS = {
    CANCELLED: 1,
    PROCESSING: 2,
    REJECT_REFUND: 4,
    REJECT_RETURN: 5,
    WAIT_RETURN: 6,
    WAIT_RECEIPT: 8,
    REFUNDED: 13,
    RETURNED: 14,
}
REASONS = (
    ("INCORRECT_SELECTION", "拍错/多拍"),
    ("NO_LONGER_WANT", "不想要了"),
    ("NO_EXPRESS_INFO", "无快递信息"),
    ("EMPTY_PACKAGE", "包裹为空"),
    ("REJECT_RECEIVE_PACKAGE", "已拒签包裹"),
    ("NOT_DELIVERED_TOO_LONG", "快递长时间未送达"),
    ("NOT_MATCH_PRODUCT_DESC", "与商品描述不符"),
    ("QUALITY_ISSUE", "质量问题"),
    ("SEND_WRONG_GOODS", "卖家发错货"),
    ("THREE_NO_PRODUCT", "三无产品"),
    ("FAKE_PRODUCT", "假冒产品"),
    ("OTHERS", "其它"),
)
_REASON_TEXT = dict(REASONS)
# (reject_reason_type, text, scenes): the sandbox's fixed list (§6.4: observed types; 1 is its own "other")
REJECT_REASONS = (
    (1, "其他原因", (1, 4)),
    (4, "商品已发货，请买家收货后申请退货退款", (1,)),
    (6, "买家未按约定时间退回商品", (4,)),
    (15, "商品没有问题，买家描述不符", (1, 4)),
    (16, "已与买家协商一致不退款", (1, 4)),
    (20, "商品影响二次销售", (4,)),
    (21, "买家寄回包裹非本订单商品", (4,)),
)
_REJECT_TYPES = {t for t, _, _ in REJECT_REASONS}


def _load(sandbox: Any, appid: str, after_sale_id: Any) -> dict[str, Any]:
    aid = id_of(after_sale_id, 10020000)
    row = sandbox.state.one("SELECT appid, doc FROM store_aftersales WHERE after_sale_order_id = ?", (aid,))
    if row is None:
        raise StoreError(10021050)
    if row["appid"] != appid:
        raise StoreError(10021043)
    return json.loads(row["doc"])


def _save(sandbox: Any, doc: dict[str, Any]) -> None:
    doc["update_time"] = sandbox.clock.timestamp()
    sandbox.state.execute(
        "UPDATE store_aftersales SET status = ?, update_time = ?, doc = ? WHERE after_sale_order_id = ?",
        (doc["status"], doc["update_time"], json.dumps(doc, ensure_ascii=False), doc["after_sale_order_id"]),
    )


def _line(order: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    info = doc["product_info"]
    return next(
        line
        for line in order["order_detail"]["product_infos"]
        if (line["product_id"], line["sku_id"]) == (info["product_id"], info["sku_id"])
    )


def _sync_order(sandbox: Any, appid: str, doc: dict[str, Any], *, closing: bool, refunded: bool) -> None:
    """Mirror the after-sale into its order: counts, the aftersale list, and the all-refunded cancel."""
    order = orders.load(sandbox, appid, doc["order_id"])
    line = _line(order, doc)
    count = doc["product_info"]["count"]
    detail = order["aftersale_detail"]
    for entry in detail["aftersale_order_list"]:
        if entry["aftersale_order_id"] == doc["after_sale_order_id"]:
            entry["status"] = LEGACY_STATUS.get(doc["status"], 0)
    if closing:
        line["on_aftersale_sku_cnt"] -= count
        detail["on_aftersale_order_cnt"] -= 1
    if refunded:
        line["finish_aftersale_sku_cnt"] += count
    all_refunded = all(
        line["finish_aftersale_sku_cnt"] >= line["sku_cnt"] for line in order["order_detail"]["product_infos"]
    )
    if refunded and all_refunded and order["status"] in (orders.PAID, orders.PART_SHIPPED, orders.SHIPPED):
        orders.cancel(sandbox, appid, order, 3)
    else:
        orders.save(sandbox, order)


def _event(sandbox: Any, appid: str, doc: dict[str, Any]) -> None:
    app = sandbox.config.app(appid)
    if app is not None:
        body = {
            "status": doc["status"],
            "after_sale_order_id": doc["after_sale_order_id"],
            "order_id": doc["order_id"],
        }
        push.emit(sandbox, app, "channels_ec_aftersale_update", doc["after_sale_order_id"],
                  {"finder_shop_aftersale_status_update": body}, doc["openid"])  # fmt: skip


def _move(sandbox: Any, appid: str, doc: dict[str, Any], status: str) -> None:
    doc["status"] = status
    terminal = status not in OPEN
    refunded = status in (REFUNDED, RETURNED)
    if refunded:
        doc["refund_info"]["refund_reason"] = 3  # merchant refund via API (§6.5)
        doc["refund_resp"] = {"ret": 0, "code": "", "message": ""}
        doc["complete_time"] = sandbox.clock.timestamp()
    elif terminal:
        doc["complete_time"] = sandbox.clock.timestamp()
    _save(sandbox, doc)
    _event(sandbox, appid, doc)
    _sync_order(sandbox, appid, doc, closing=terminal, refunded=refunded)


def _refund(sandbox: Any, appid: str, doc: dict[str, Any], status: str) -> None:
    interval = store_settings.load(sandbox).refund_per_order_interval_seconds
    last = sandbox.state.scalar(
        "SELECT MAX(refunded_at) FROM store_aftersales WHERE order_id = ?", (doc["order_id"],)
    )
    now = sandbox.clock.now()
    if last is not None and now - last < interval:
        raise StoreError(10021059)
    sandbox.state.execute(
        "UPDATE store_aftersales SET refunded_at = ? WHERE after_sale_order_id = ?",
        (now, doc["after_sale_order_id"]),
    )
    _move(sandbox, appid, doc, status)


# -- buyer side ---------------------------------------------------------------------------------------------------


def apply(sandbox: Any, app: AppConfig, data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("type", "REFUND")
    if kind not in ("REFUND", "RETURN"):
        raise ControlError("invalid_request", "type 只能是 REFUND 或 RETURN")
    reason = data.get("reason", "NO_LONGER_WANT")
    if reason not in _REASON_TEXT:
        raise ControlError("invalid_request", "reason 不在 aftersale/reason/get 的列表中")
    desc = data.get("desc", "")
    if not isinstance(desc, str) or len(desc) > 500:
        raise ControlError("invalid_request", "desc 需为不超过 500 字的文本")
    with sandbox.state.transaction():
        try:
            order = orders.load(sandbox, app.appid, data.get("order_id"))
        except StoreError as exc:
            raise ControlError("not_found", "没有这个订单", 404) from exc
        if order["status"] not in AFTER_SALE_ORDER_STATUSES:
            raise ControlError("invalid_state", "只有已付款的订单可以申请售后", 409)
        lines = order["order_detail"]["product_infos"]
        line = next(
            (x for x in lines if x["sku_id"] == str(data.get("sku_id", lines[0]["sku_id"]))),
            None,
        )
        if line is None:
            raise ControlError("not_found", "订单没有这个 sku", 404)
        available = _available(line)
        count = data.get("count", available)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= available:
            raise ControlError(
                "invalid_request", f"count 需为 1-{available}（可售后数量）", 409 if available == 0 else 400
            )
        most = _most(line, count)
        amount = data.get("amount", most)
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= most:
            raise ControlError("invalid_request", f"amount 需为 1-{most}（分）")
        return _open(sandbox, app.appid, order, line, kind, count, amount, reason, desc, PROCESSING)


AFTER_SALE_ORDER_STATUSES = (orders.PAID, orders.PART_SHIPPED, orders.SHIPPED, orders.DONE)


def _available(line: dict[str, Any]) -> int:
    return line["sku_cnt"] - line["on_aftersale_sku_cnt"] - line["finish_aftersale_sku_cnt"]


def _most(line: dict[str, Any], count: int) -> int:
    return line["real_price"] * count // line["sku_cnt"]


def _open(
    sandbox: Any,
    appid: str,
    order: dict[str, Any],
    line: dict[str, Any],
    kind: str,
    count: int,
    amount: int,
    reason: str,
    desc: str,
    status: str,
) -> dict[str, Any]:
    """A new after-sale on ``count`` items of ``line`` (inside the caller's transaction), pushed."""
    now = sandbox.clock.timestamp()
    after_sale_id = next_id(sandbox, "aftersale", AFTER_SALE_ID_START)
    doc = {
        "after_sale_order_id": after_sale_id,
        "order_id": order["order_id"],
        "status": status,
        "type": kind,
        "openid": order["openid"],
        "unionid": order["unionid"],
        "reason": reason,
        "reason_text": _REASON_TEXT[reason],
        "product_info": {
            "product_id": line["product_id"],
            "sku_id": line["sku_id"],
            "sku_code": line["sku_code"],
            "count": count,
            "fast_refund": False,
        },  # fmt: skip
        "details": {
            "desc": desc,
            "receive_product": order["status"] in (orders.SHIPPED, orders.DONE),
            "cancel_time": 0,
            "media_id_list": [],
            "tel_number": "",
        },  # fmt: skip
        "refund_info": {"amount": amount, "refund_reason": 0},
        "return_info": {},
        "merchant_upload_info": {"reject_reason": "", "refund_certificates": []},
        "create_time": now,
        "update_time": now,
        "complete_time": 0,
    }
    sandbox.state.execute(
        "INSERT INTO store_aftersales (after_sale_order_id, appid, order_id, status, create_time, update_time, doc)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (after_sale_id, appid, order["order_id"], status, now, now, json.dumps(doc, ensure_ascii=False)),
    )
    line["on_aftersale_sku_cnt"] += count
    order["aftersale_detail"]["on_aftersale_order_cnt"] += 1
    order["aftersale_detail"]["aftersale_order_list"].append(
        {"aftersale_order_id": after_sale_id, "status": LEGACY_STATUS.get(status, 0)}
    )
    orders.save(sandbox, order)
    _event(sandbox, appid, doc)
    return doc


def _buyer_confirms(sandbox: Any, appid: str, doc: dict[str, Any]) -> None:
    """The buyer agrees to a merchant-initiated after-sale: a refund is paid, a return awaits the parcel."""
    if doc["type"] == "REFUND":
        _refund(sandbox, appid, doc, REFUNDED)
    else:
        _move(sandbox, appid, doc, WAIT_RETURN)


# -- WeChat's endpoints ---------------------------------------------------------------------------------------------


@store_api()
async def list_get(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    limit = store_settings.load(sandbox).aftersale_range_max_seconds
    if "begin_create_time" in data or "end_create_time" in data:
        column, begin, end = "create_time", int_of(data, "begin_create_time"), int_of(data, "end_create_time")
    elif "begin_update_time" in data or "end_update_time" in data:
        column, begin, end = "update_time", int_of(data, "begin_update_time"), int_of(data, "end_update_time")
    else:
        raise StoreError(10020004, "begin/end time required")
    if end < begin or end - begin > limit:
        raise StoreError(10020004)
    after = ""
    key = data.get("next_key")
    if key:
        try:
            after = base64.urlsafe_b64decode(str(key).encode()).decode()
        except (ValueError, UnicodeDecodeError) as exc:
            raise StoreError(40097, "next_key") from exc
        if not after.isdigit():
            raise StoreError(40097, "next_key")
    rows = sandbox.state.query(
        f"SELECT after_sale_order_id FROM store_aftersales WHERE appid = ? AND {column} BETWEEN ? AND ?"
        " AND after_sale_order_id > ? ORDER BY after_sale_order_id LIMIT 101",
        (shop_app.appid, begin, end, after),
    )
    ids = [r["after_sale_order_id"] for r in rows[:100]]
    next_key = base64.urlsafe_b64encode(ids[-1].encode()).decode() if ids else ""
    return {"after_sale_order_id_list": ids, "has_more": len(rows) > 100, "next_key": next_key}


@store_api()
async def get(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    doc = _load(sandbox, shop_app.appid, data.get("after_sale_order_id"))
    if doc["status"] in (PROCESSING, WAIT_RECEIPT):
        doc["deadline"] = 48 * 3600
    return {"after_sale_order": doc}


@store_api()
async def accept(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    accept_type = data.get("accept_type")
    if accept_type not in (None, 1, 2):
        raise StoreError(10020051, "accept_type")
    with sandbox.state.transaction():
        doc = _load(sandbox, shop_app.appid, data.get("after_sale_order_id"))
        status, kind = doc["status"], doc["type"]
        if status == PROCESSING and kind == "REFUND" and accept_type in (None, 2):
            _refund(sandbox, shop_app.appid, doc, REFUNDED)
        elif status == PROCESSING and kind == "RETURN" and accept_type in (None, 1):
            address_id = data.get("address_id")
            if not address_id:
                raise StoreError(10021058)
            doc["return_address_id"] = id_of(address_id, 10021062)
            _move(sandbox, shop_app.appid, doc, WAIT_RETURN)
        elif status == WAIT_RECEIPT and accept_type in (None, 2):
            _refund(sandbox, shop_app.appid, doc, RETURNED)
        else:
            raise StoreError(10021041)
    return {}


@store_api()
async def reject(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    reason_type = int_of(data, "reject_reason_type", lo=0, hi=1000)
    if reason_type not in _REJECT_TYPES:
        raise StoreError(10020051, "reject_reason_type")
    reason = text_of(data, "reject_reason", limit=200)
    with sandbox.state.transaction():
        doc = _load(sandbox, shop_app.appid, data.get("after_sale_order_id"))
        if doc["status"] not in (PROCESSING, WAIT_RECEIPT):
            raise StoreError(10021041)
        doc["merchant_upload_info"]["reject_reason"] = (
            reason or dict((t, x) for t, x, _ in REJECT_REASONS)[reason_type]
        )
        _move(sandbox, shop_app.appid, doc, REJECT_REFUND if doc["type"] == "REFUND" else REJECT_RETURN)
    return {}


@store_api()
async def generate(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    """``genaftersaleorder``: the merchant opens an after-sale for the buyer, who must confirm it."""
    request_id = text_of(data, "request_id", limit=64)
    kind = data.get("type", "REFUND")
    reason = data.get("reason")
    desc = text_of(data, "desc", limit=500)
    if not request_id or kind not in ("REFUND", "RETURN") or reason not in _REASON_TEXT:
        raise StoreError(
            10020051, "request_id, type (REFUND|RETURN) and reason (aftersale/reason/get) required"
        )
    address_id = data.get("address_id")
    if kind == "RETURN" and not address_id:
        raise StoreError(10021058)
    meta_key = f"store.genaftersale:{shop_app.appid}:{request_id}"
    with sandbox.state.transaction():
        known = sandbox.state.get_meta(meta_key)
        if known:  # the same request again (a retry whose first answer was lost): the same after-sale
            return {"after_sale_order_id": known}
        order = orders.load(sandbox, shop_app.appid, data.get("order_id"))
        if order["status"] not in AFTER_SALE_ORDER_STATUSES:
            raise StoreError(10020001, "order status")
        line = next(
            (
                x
                for x in order["order_detail"]["product_infos"]
                if x["sku_id"] == str(data.get("sku_id")) and x["product_id"] == str(data.get("product_id"))
            ),
            None,
        )
        if line is None:
            raise StoreError(10020051, "product_id/sku_id not in this order")
        count = int_of(data, "count", lo=1, hi=10_000)
        if count > _available(line):
            raise StoreError(10020051, f"count exceeds {_available(line)}")
        amount = int_of(data, "amount", lo=1, hi=2**40)
        if amount > _most(line, count):
            raise StoreError(10020051, f"amount exceeds {_most(line, count)}")
        doc = _open(sandbox, shop_app.appid, order, line, kind, count, amount, reason, desc, WAIT_BUYER)
        if address_id:
            doc["return_address_id"] = id_of(address_id, 10021062)
            _save(sandbox, doc)
        sandbox.state.set_meta(meta_key, doc["after_sale_order_id"])
        if store_settings.load(sandbox).merchant_aftersale_confirm == "auto":
            _buyer_confirms(sandbox, shop_app.appid, doc)
    return {"after_sale_order_id": doc["after_sale_order_id"]}


@store_api(get_ok=True)
async def reasons(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    return {"reason_list": [{"reason": code, "reason_text": text} for code, text in REASONS]}


@store_api(get_ok=True)
async def reject_reasons(request: Request, sandbox: Any, shop_app: AppConfig, data: dict) -> dict:
    return {
        "reason_list": [
            {
                "reject_reason_type": t,
                "reject_reason_type_text": text,
                "reject_reason": text,
                "reject_scene": scene,
            }
            for t, text, scenes in REJECT_REASONS
            for scene in scenes
        ]
    }


# -- control API ------------------------------------------------------------------------------------------------------


@control_api
async def aftersales_route(request: Request, sandbox: Any) -> Any:
    if request.method == "GET":
        app = shop_of(sandbox, request.query_params.get("appid"))
        rows = sandbox.state.query(
            "SELECT after_sale_order_id, order_id, status FROM store_aftersales WHERE appid = ?"
            " ORDER BY after_sale_order_id LIMIT 10000",
            (app.appid,),
        )
        return {"aftersales": [dict(r) for r in rows]}
    data = await read_json(request)
    app = shop_of(sandbox, data.get("appid"))
    return json_response({"after_sale_order": apply(sandbox, app, data)}, 201)


@control_api
async def aftersale_action_route(request: Request, sandbox: Any) -> Any:
    """``POST /sandbox/store/aftersales/{id}/return {"delivery_id", "waybill_id"}`` | ``…/cancel`` | the buyer's
    answer to a merchant-initiated one: ``…/confirm`` | ``…/decline``."""
    action = request.path_params["action"]
    data = await read_json(request)
    with sandbox.state.transaction():
        row = sandbox.state.one(
            "SELECT appid FROM store_aftersales WHERE after_sale_order_id = ?", (request.path_params["id"],)
        )
        if row is None:
            raise ControlError("not_found", "没有这个售后单", 404)
        doc = _load(sandbox, row["appid"], request.path_params["id"])
        if action == "return":
            if doc["status"] != WAIT_RETURN:
                raise ControlError("invalid_state", "售后单不在待买家退货", 409)
            company, waybill = data.get("delivery_id", "SF"), data.get("waybill_id")
            if (
                company not in dict(orders.DELIVERY_COMPANIES)
                or not isinstance(waybill, str)
                or not 4 <= len(waybill) <= 64
            ):
                raise ControlError(
                    "invalid_request", "需要 delivery_id（快递公司编码）和 waybill_id（4-64 位）"
                )
            doc["return_info"] = {"delivery_id": company, "delivery_name": dict(orders.DELIVERY_COMPANIES)[company],
                                  "waybill_id": waybill}  # fmt: skip
            _move(sandbox, row["appid"], doc, WAIT_RECEIPT)
        elif action in ("confirm", "decline"):
            if doc["status"] != WAIT_BUYER:
                raise ControlError("invalid_state", "售后单不在待用户处理商家代发起的售后", 409)
            if action == "confirm":
                _buyer_confirms(sandbox, row["appid"], doc)
            else:
                doc["details"]["cancel_time"] = sandbox.clock.timestamp()
                _move(sandbox, row["appid"], doc, CANCELLED)
        elif action == "cancel":
            if doc["status"] not in OPEN:
                raise ControlError("invalid_state", "售后单已结束", 409)
            doc["details"]["cancel_time"] = sandbox.clock.timestamp()
            _move(sandbox, row["appid"], doc, CANCELLED)
        else:
            raise ControlError("not_found", "unknown action", 404)
    return {"after_sale_order": _load(sandbox, row["appid"], request.path_params["id"])}


routes = [
    Route(
        "/channels/ec/aftersale/getaftersalelist",
        list_get,
        methods=["GET", "POST"],
        name="store.aftersale.list",
    ),
    Route(
        "/channels/ec/aftersale/getaftersaleorder", get, methods=["GET", "POST"], name="store.aftersale.get"
    ),
    Route(
        "/channels/ec/aftersale/acceptapply", accept, methods=["GET", "POST"], name="store.aftersale.accept"
    ),
    Route(
        "/channels/ec/aftersale/rejectapply", reject, methods=["GET", "POST"], name="store.aftersale.reject"
    ),
    Route(
        "/channels/ec/aftersale/genaftersaleorder",
        generate,
        methods=["GET", "POST"],
        name="store.aftersale.generate",
    ),
    Route(
        "/channels/ec/aftersale/reason/get", reasons, methods=["GET", "POST"], name="store.aftersale.reasons"
    ),
    Route(
        "/channels/ec/aftersale/rejectreason/get",
        reject_reasons,
        methods=["GET", "POST"],
        name="store.aftersale.reject_reasons",
    ),
]
control_routes = [
    Route(
        "/sandbox/store/aftersales",
        aftersales_route,
        methods=["GET", "POST"],
        name="sandbox.store.aftersales",
    ),
    Route(
        "/sandbox/store/aftersales/{id}/{action}",
        aftersale_action_route,
        methods=["POST"],
        name="sandbox.store.aftersale_action",
    ),
]
