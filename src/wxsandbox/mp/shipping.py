"""Mini Program shipping information (发货信息管理, wechat-kf-security-shipping.md §4): /wxa/sec/order/*.

The orders are the WeChat Pay orders the Pay surface holds for this Mini Program (``pay_orders`` with the
MP's appid, paid): a Mini Program merchant's funds settle only after their shipping is uploaded. State per
order (§4.8): 1 待发货 → upload_shipping_info (unified, or split with ``is_all_delivered``) → 2 已发货 →
buyer confirms (``POST /sandbox/mp/shipping/confirm``) or ``shipping_auto_confirm_seconds`` pass → 3 确认收货
→ settlement (``POST /sandbox/mp/shipping/settle``) → 4 交易完成; fully refunded → 5 已退款. An upload less
than ``shipping_min_seconds_after_pay`` after payment answers 10060001, as WeChat does; a finished order may
be re-shipped once (10060003 after that). Errors and validation follow §4.2/§4.6 exactly. The Mini
Program's message server gets ``trade_manage_order_settlement`` when an order is shipped and when it is
settled (the reminder events are not emulated).

  upload_shipping_info, get_order, get_order_list (last_index paging), notify_confirm_receive,
  is_trade_managed, set_msg_jump_path
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.clock import parse_rfc3339
from wxsandbox.config import MINI_PROGRAM
from wxsandbox.control import ControlError, read_json
from wxsandbox.mp import oa_push
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import ERRMSG, WxError
from wxsandbox.mp.http import caller, control_endpoint, json_body, ok, wx_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_shipping (
    transaction_id        TEXT PRIMARY KEY,
    appid                 TEXT NOT NULL,
    delivery_mode         INTEGER NOT NULL,
    logistics_type        INTEGER NOT NULL,
    finish_shipping       INTEGER NOT NULL DEFAULT 0,
    finish_shipping_count INTEGER NOT NULL DEFAULT 0,
    shipping_list         TEXT NOT NULL DEFAULT '[]',
    upload_time           REAL NOT NULL,          -- the latest upload_time given (Unix seconds)
    shipped_at            REAL,                   -- sandbox time shipping was completed
    confirmed_at          REAL,
    settled_at            REAL,
    notified              INTEGER NOT NULL DEFAULT 0,
    in_complaint          INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS mp_shipping_paths (
    appid  TEXT PRIMARY KEY,
    path   TEXT NOT NULL
);
"""

SHIPPING_ERRMSG = {
    10060001: "支付单不存在",
    10060002: "支付单已完成发货，无法继续发货",
    10060003: "支付单已使用重新发货机会",
    10060004: "支付单处于不可发货的状态",
    10060005: "物流类型有误",
    10060006: "非快递发货不允许分拆发货",
    10060007: "分拆发货必须填写 is_all_delivered",
    10060008: "商品描述 item_desc 不能为空",
    10060009: "商品描述 item_desc 太长",
    10060011: "last_index 不合法",
    10060014: "参数错误",
    10060024: "物流信息列表太长",
    10060025: "物流公司编码太长",
    10060026: "物流单号太长",
    10060028: "非已发货状态，无法提醒确认收货",
    10060029: "签收时间 received_time 不合法",
    10060030: "已使用过提醒确认收货机会",
    10060031: "支付单不属于该 openid",
    10060032: "仅快递方式的订单可以提醒确认收货",
    268485194: "订单单号类型非法",
    268485195: "transaction_id 为空",
    268485196: "mchid 为空",
    268485197: "out_trade_no 为空",
    268485216: "upload_time 不是 RFC 3339 格式",
    268485224: "发货模式非法",
    268485226: "物流单号为空",
    268485227: "物流公司编码为空",
    268485228: "统一发货时 shipping_list 长度必须为 1",
}
AWAITING, SHIPPED, CONFIRMED, COMPLETED, REFUNDED = 1, 2, 3, 4, 5


class ShippingError(WxError):
    @property
    def errmsg_base(self) -> str:
        text = SHIPPING_ERRMSG.get(self.errcode) or ERRMSG.get(self.errcode, "error")
        return f"{text} {self.detail}".rstrip() if self.detail else text


def _pay_order(sandbox: Any, appid: str, **key: str) -> dict[str, Any] | None:
    """The paid WeChat Pay order of this Mini Program named by ``transaction_id`` or (mchid, out_trade_no)."""
    if "transaction_id" in key:
        sql, params = "SELECT * FROM pay_orders WHERE transaction_id = ?", (key["transaction_id"],)
    else:
        sql, params = (
            "SELECT * FROM pay_orders WHERE mchid = ? AND out_trade_no = ?",
            (key["mchid"], key["out_trade_no"]),
        )
    try:
        row = sandbox.state.one(sql, params)
    except sqlite3.OperationalError:  # the Pay surface is not loaded
        return None
    if row is None or row["appid"] != appid or row["trade_state"] not in ("SUCCESS", "REFUND"):
        return None
    return dict(row)


def _shipping(sandbox: Any, transaction_id: str) -> dict[str, Any] | None:
    row = sandbox.state.one("SELECT * FROM mp_shipping WHERE transaction_id = ?", (transaction_id,))
    return dict(row) if row else None


def _state(sandbox: Any, order: dict[str, Any], shipping: dict[str, Any] | None) -> int:
    if order["refunded_total"] >= order["amount_total"]:
        return REFUNDED
    if shipping is None or not shipping["finish_shipping"]:
        return AWAITING
    if shipping["settled_at"] is not None:
        return COMPLETED
    auto = mp_settings.load(sandbox).shipping_auto_confirm_seconds
    if shipping["confirmed_at"] is not None or (
        auto and sandbox.clock.now() >= shipping["shipped_at"] + auto
    ):
        return CONFIRMED
    return SHIPPED


def describe(sandbox: Any, order: dict[str, Any]) -> dict[str, Any]:
    shipping = _shipping(sandbox, order["transaction_id"])
    shown: dict[str, Any] = {}
    if shipping is not None:
        items = json.loads(shipping["shipping_list"])
        shown = {
            "delivery_mode": shipping["delivery_mode"],
            "logistics_type": shipping["logistics_type"],
            "finish_shipping": bool(shipping["finish_shipping"]),
            "finish_shipping_count": shipping["finish_shipping_count"],
            "goods_desc": "；".join(i["goods_desc"] for i in items),
            "shipping_list": items,
        }
    return {
        "transaction_id": order["transaction_id"],
        "merchant_id": order["mchid"],
        "sub_merchant_id": "",
        "merchant_trade_no": order["out_trade_no"],
        "description": order["description"][:120],
        "paid_amount": order["payer_total"] or order["amount_total"],
        "openid": order["payer_openid"],
        "trade_create_time": int(order["created_at"]),
        "pay_time": int(order["success_time"] or 0),
        "order_state": _state(sandbox, order, shipping),
        "in_complaint": bool(shipping and shipping["in_complaint"]),
        "shipping": shown,
    }


def _settlement_event(sandbox: Any, order: dict[str, Any], **fields: Any) -> None:
    """``trade_manage_order_settlement`` to the Mini Program's message server (§4.7): once on shipping (with
    the estimated settlement time), again on settlement. Sent only when the payer is a sandbox user."""
    app = sandbox.config.app(order["appid"])
    if app is None or not order["payer_user_id"]:
        return
    extra = {
        "transaction_id": order["transaction_id"],
        "merchant_id": order["mchid"],
        "sub_merchant_id": "",
        "merchant_trade_no": order["out_trade_no"],
        "pay_time": int(order["success_time"] or 0),
        **fields,
    }
    event = oa_push.event_fields(
        sandbox, app, order["payer_user_id"], "trade_manage_order_settlement", **extra
    )
    key = f"shipping:{order['transaction_id']}:{'settled' if 'settlement_time' in fields else 'shipped'}"
    oa_push.enqueue(sandbox, app, order["payer_user_id"], event, key)


def _order_of_key(sandbox: Any, appid: str, key: Any) -> dict[str, Any]:
    if not isinstance(key, dict):
        raise ShippingError(47001, "order_key")
    kind = key.get("order_number_type")
    if kind == 2:
        if not isinstance(key.get("transaction_id"), str) or not key["transaction_id"]:
            raise ShippingError(268485195)
        found = _pay_order(sandbox, appid, transaction_id=key["transaction_id"])
    elif kind == 1:
        if not isinstance(key.get("mchid"), str) or not key["mchid"]:
            raise ShippingError(268485196)
        if not isinstance(key.get("out_trade_no"), str) or not key["out_trade_no"]:
            raise ShippingError(268485197)
        found = _pay_order(sandbox, appid, mchid=key["mchid"], out_trade_no=key["out_trade_no"])
    else:
        raise ShippingError(268485194)
    if found is None:
        raise ShippingError(10060001)
    return found


def _items(raw: Any, logistics_type: int, delivery_mode: int) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise ShippingError(47001, "shipping_list")
    if len(raw) > 15:
        raise ShippingError(10060024)
    if not raw:
        raise ShippingError(10060014, "shipping_list")
    if delivery_mode == 1 and len(raw) != 1:
        raise ShippingError(268485228)
    items = []
    for item in raw:
        if not isinstance(item, dict):
            raise ShippingError(47001, "shipping_list")
        desc = item.get("item_desc")
        if not isinstance(desc, str) or not desc.strip():
            raise ShippingError(10060008)
        if len(desc) > 120:
            raise ShippingError(10060009)
        entry: dict[str, Any] = {"goods_desc": desc}
        if logistics_type == 1:
            tracking, company = item.get("tracking_no"), item.get("express_company")
            if not isinstance(tracking, str) or not tracking:
                raise ShippingError(268485226)
            if len(tracking.encode()) > 128:
                raise ShippingError(10060026)
            if not isinstance(company, str) or not company:
                raise ShippingError(268485227)
            if len(company.encode()) > 128:
                raise ShippingError(10060025)
            contact = item.get("contact") or {}
            if not isinstance(contact, dict):
                raise ShippingError(47001, "contact")
            phones = {k: v for k, v in contact.items() if k in ("consignor_contact", "receiver_contact")}
            if any(not isinstance(v, str) or len(v.encode()) > 1024 for v in phones.values()):
                raise ShippingError(10060014, "contact")
            if company == "SF" and not any(phones.values()):
                raise ShippingError(10060014, "顺丰需要 contact")
            entry |= {"tracking_no": tracking, "express_company": company, "contact": phones}
        items.append(entry)
    return items


@wx_endpoint
async def upload_shipping_info(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    order = _order_of_key(sandbox, who.appid, data.get("order_key"))
    logistics_type = data.get("logistics_type")
    if logistics_type not in (1, 2, 3, 4) or isinstance(logistics_type, bool):
        raise ShippingError(10060005)
    delivery_mode = data.get("delivery_mode")
    if delivery_mode not in (1, 2) or isinstance(delivery_mode, bool):
        raise ShippingError(268485224)
    all_delivered = True
    if delivery_mode == 2:
        if logistics_type != 1:
            raise ShippingError(10060006)
        all_delivered = data.get("is_all_delivered")
        if not isinstance(all_delivered, bool):
            raise ShippingError(10060007)
    items = _items(data.get("shipping_list"), logistics_type, delivery_mode)
    try:
        upload_time = parse_rfc3339(data.get("upload_time"))
    except (ValueError, TypeError) as exc:
        raise ShippingError(268485216) from exc
    payer = data.get("payer")
    openid = payer.get("openid") if isinstance(payer, dict) else None
    if not isinstance(openid, str) or not 1 <= len(openid) <= 128:
        raise ShippingError(10060014, "payer.openid")
    if openid != order["payer_openid"]:
        raise ShippingError(10060031)
    settings = mp_settings.load(sandbox)
    now = sandbox.clock.now()
    if now - (order["success_time"] or now) < settings.shipping_min_seconds_after_pay:
        raise ShippingError(10060001)  # WeChat's documented answer right after payment
    for entry in items:
        entry["upload_time"] = int(upload_time)
    with sandbox.state.transaction():
        current = _shipping(sandbox, order["transaction_id"])
        state = _state(sandbox, order, current)
        if state == REFUNDED or (current is not None and current["in_complaint"]):
            raise ShippingError(10060004)
        if state in (CONFIRMED, COMPLETED):
            raise ShippingError(10060002)
        if current is not None and upload_time <= current["upload_time"]:
            raise ShippingError(10060014, "upload_time 需晚于上次上传")
        if current is None:
            sandbox.state.execute(
                "INSERT INTO mp_shipping (transaction_id, appid, delivery_mode, logistics_type, upload_time)"
                " VALUES (?, ?, ?, ?, ?)",
                (order["transaction_id"], who.appid, delivery_mode, logistics_type, upload_time),
            )
            current = _shipping(sandbox, order["transaction_id"])
        reship = bool(current["finish_shipping"])
        if reship and current["finish_shipping_count"] >= 2:
            raise ShippingError(10060003)
        kept = [] if reship or delivery_mode == 1 else json.loads(current["shipping_list"])
        finished = all_delivered
        sandbox.state.execute(
            "UPDATE mp_shipping SET delivery_mode = ?, logistics_type = ?, shipping_list = ?, upload_time = ?,"
            " finish_shipping = ?, finish_shipping_count = finish_shipping_count + ?, shipped_at = ?"
            " WHERE transaction_id = ?",
            (
                delivery_mode,
                logistics_type,
                json.dumps(kept + items, ensure_ascii=False),
                upload_time,
                int(finished or reship),
                int(finished),
                now if finished else current["shipped_at"],
                order["transaction_id"],
            ),
        )
        if finished and not reship:
            estimated = now + (settings.shipping_auto_confirm_seconds or 10 * 86400)
            _settlement_event(sandbox, order, shipped_time=int(now), estimated_settlement_time=int(estimated))
    return ok()


def _query_order(sandbox: Any, appid: str, data: dict[str, Any]) -> dict[str, Any]:
    if isinstance(data.get("transaction_id"), str) and data["transaction_id"]:
        found = _pay_order(sandbox, appid, transaction_id=data["transaction_id"])
    elif isinstance(data.get("merchant_id"), str) and isinstance(data.get("merchant_trade_no"), str):
        found = _pay_order(sandbox, appid, mchid=data["merchant_id"], out_trade_no=data["merchant_trade_no"])
    else:
        raise ShippingError(10060014, "transaction_id 或 merchant_id + merchant_trade_no")
    if found is None:
        raise ShippingError(10060001)
    return found


@wx_endpoint
async def get_order(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    order = _query_order(sandbox, who.appid, await json_body(request))
    return {"errcode": 0, "errmsg": "ok", "order": describe(sandbox, order)}


@wx_endpoint
async def get_order_list(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    size = data.get("page_size", 100)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 100:
        raise ShippingError(10060014, "page_size")
    last = data.get("last_index") or ""
    if last and (
        not isinstance(last, str) or len(last) > 32 or any(c not in "0123456789abcdef" for c in last)
    ):
        raise ShippingError(10060011)
    after = int(last, 16) if last else 0
    sql = "SELECT * FROM pay_orders WHERE appid = ? AND trade_state IN ('SUCCESS', 'REFUND') AND id > ?"
    params: list[Any] = [who.appid, after]
    window = data.get("pay_time_range")
    if window is not None:
        if not isinstance(window, dict):
            raise ShippingError(47001, "pay_time_range")
        begin, end = window.get("begin_time", 0), window.get("end_time", 2**31)
        if any(isinstance(v, bool) or not isinstance(v, int) for v in (begin, end)):
            raise ShippingError(47001, "pay_time_range")
        sql += " AND success_time >= ? AND success_time < ?"
        params += [begin, end + 1]
    openid = data.get("openid")
    if openid:
        sql += " AND payer_openid = ?"
        params.append(str(openid))
    state = data.get("order_state")
    try:
        rows = sandbox.state.query(sql + " ORDER BY id", params)
    except sqlite3.OperationalError:
        rows = []
    found, more = [], False
    for row in rows:
        shown = describe(sandbox, dict(row))
        if state is not None and shown["order_state"] != state:
            continue
        if len(found) == size:
            more = True
            break
        found.append((row["id"], shown))
    index = format(found[-1][0], "x") if found else last
    return {
        "errcode": 0,
        "errmsg": "ok",
        "order_list": [o for _, o in found],
        "last_index": index,
        "has_more": more,
    }


@wx_endpoint
async def notify_confirm_receive(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    order = _query_order(sandbox, who.appid, data)
    received = data.get("received_time")
    if isinstance(received, bool) or not isinstance(received, int) or received <= 0:
        raise ShippingError(10060029)
    with sandbox.state.transaction():
        shipping = _shipping(sandbox, order["transaction_id"])
        if _state(sandbox, order, shipping) != SHIPPED:
            raise ShippingError(10060028)
        if shipping["logistics_type"] != 1:
            raise ShippingError(10060032)
        if not sandbox.state.execute(
            "UPDATE mp_shipping SET notified = 1 WHERE transaction_id = ? AND notified = 0",
            (order["transaction_id"],),
        ).rowcount:
            raise ShippingError(10060030)
    return ok()


@wx_endpoint
async def is_trade_managed(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    if data.get("appid") != who.appid:
        raise WxError(40013)
    managed = mp_settings.load(sandbox).shipping_trade_managed.get(who.appid, True)
    return {"errcode": 0, "errmsg": "ok", "is_trade_managed": managed}


@wx_endpoint
async def set_msg_jump_path(request: Request, sandbox: Any) -> dict:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    path = (await json_body(request)).get("path")
    if not isinstance(path, str) or not path or len(path) > 1024:
        raise WxError(40097)
    sandbox.state.execute(
        "INSERT INTO mp_shipping_paths (appid, path) VALUES (?, ?) ON CONFLICT (appid) DO UPDATE SET path = excluded.path",
        (who.appid, path),
    )
    return ok()


# -- control API: the buyer and the platform ---------------------------------------------------------------------


@control_endpoint
async def buyer_action(request: Request, sandbox: Any) -> dict:
    """``POST /sandbox/mp/shipping/{confirm|settle|complaint} {"transaction_id", "in_complaint"?}``."""
    action = request.path_params["action"]
    data = await read_json(request)
    transaction_id = data.get("transaction_id")
    if not isinstance(transaction_id, str):
        raise ControlError("invalid_request", "transaction_id is required")
    row = sandbox.state.one("SELECT appid FROM mp_shipping WHERE transaction_id = ?", (transaction_id,))
    if row is None:
        raise ControlError("not_shipped", "该支付单没有发货信息", 409)
    order = _pay_order(sandbox, row["appid"], transaction_id=transaction_id)
    with sandbox.state.transaction():
        state = _state(sandbox, order, _shipping(sandbox, transaction_id)) if order else None
        now = sandbox.clock.now()
        if action == "confirm" and state == SHIPPED:
            sandbox.state.execute(
                "UPDATE mp_shipping SET confirmed_at = ? WHERE transaction_id = ?", (now, transaction_id)
            )
        elif action == "settle" and state == CONFIRMED:
            current = _shipping(sandbox, transaction_id)
            sandbox.state.execute(
                "UPDATE mp_shipping SET settled_at = ? WHERE transaction_id = ?", (now, transaction_id)
            )
            auto = mp_settings.load(sandbox).shipping_auto_confirm_seconds
            _settlement_event(
                sandbox, order, shipped_time=int(current["shipped_at"]),
                confirm_receive_method=2 if current["confirmed_at"] else 1,  # 1 automatic, 2 by the buyer (unconfirmed)
                confirm_receive_time=int(current["confirmed_at"] or current["shipped_at"] + auto),
                settlement_time=int(now),
            )  # fmt: skip
        elif action == "complaint":
            flag = data.get("in_complaint", True)
            if not isinstance(flag, bool):
                raise ControlError("invalid_request", "in_complaint must be true or false")
            sandbox.state.execute(
                "UPDATE mp_shipping SET in_complaint = ? WHERE transaction_id = ?",
                (int(flag), transaction_id),
            )
        else:
            raise ControlError("invalid_state", f"cannot {action} an order in state {state}", 409)
    return {"order": describe(sandbox, order)} if order else {}


routes = [
    Route(
        "/wxa/sec/order/upload_shipping_info",
        upload_shipping_info,
        methods=["POST"],
        name="mp.shipping.upload",
    ),
    Route("/wxa/sec/order/get_order", get_order, methods=["POST"], name="mp.shipping.get_order"),
    Route(
        "/wxa/sec/order/get_order_list", get_order_list, methods=["POST"], name="mp.shipping.get_order_list"
    ),
    Route(
        "/wxa/sec/order/notify_confirm_receive",
        notify_confirm_receive,
        methods=["POST"],
        name="mp.shipping.notify_confirm_receive",
    ),
    Route(
        "/wxa/sec/order/is_trade_managed",
        is_trade_managed,
        methods=["POST"],
        name="mp.shipping.is_trade_managed",
    ),
    Route(
        "/wxa/sec/order/set_msg_jump_path", set_msg_jump_path, methods=["POST"], name="mp.shipping.jump_path"
    ),
]
control_routes = [
    Route("/sandbox/mp/shipping/{action}", buyer_action, methods=["POST"], name="sandbox.mp.shipping"),
]
