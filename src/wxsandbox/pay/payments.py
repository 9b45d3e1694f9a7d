"""What the simulated user does at the cashier: confirm (pay) or cancel, and the resulting notification."""

from __future__ import annotations

from typing import Any

from wxsandbox.pay import crypto, funds, notify, signing, store
from wxsandbox.pay.transactions import transaction_json


class PaymentRefused(Exception):
    """The user cannot pay this order; ``code`` is a short machine reason, message is Chinese."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def find_order(sandbox, ref: dict[str, Any]) -> dict[str, Any]:
    """Locate an order by ``prepay_id``, ``code_url``, ``h5_url`` or ``out_trade_no`` (+ optional ``mchid``)."""
    state = sandbox.state
    order = None
    if ref.get("prepay_id"):
        order = store.order_by(state, "", prepay_id=ref["prepay_id"])
    elif ref.get("code_url"):
        order = store.order_by(state, "", code_url=ref["code_url"])
    elif ref.get("h5_url"):
        row = state.one("SELECT * FROM pay_orders WHERE h5_url = ?", (ref["h5_url"],))
        order = dict(row) if row else None
    elif ref.get("out_trade_no"):
        mchid = ref.get("mchid") or sandbox.config.merchants[0].mchid
        order = store.order_by(state, mchid, out_trade_no=ref["out_trade_no"])
    else:
        raise PaymentRefused("invalid_request", "需要 prepay_id、code_url、h5_url 或 out_trade_no 之一")
    if order is None:
        raise PaymentRefused("not_found", "订单不存在", 404)
    return store.expire_if_due(state, order, sandbox.clock.now(), sandbox.config.pay.expired_order_state)


def describe(sandbox, order: dict[str, Any]) -> dict[str, Any]:
    """What the cashier page shows, plus the merchant-visible Transaction."""
    merchant = sandbox.config.merchant(order["mchid"])
    return {
        "merchant_name": merchant.name if merchant else order["mchid"],
        "description": order["description"],
        "amount_total": order["amount_total"],
        "trade_type": order["trade_type"],
        "expire_at": sandbox.clock.rfc3339(order["expire_at"]),
        "payer_user_id": order["payer_user_id"],
        "transaction": transaction_json(order, sandbox.clock),
    }


def _payer(sandbox, order: dict[str, Any], user_id: str | None) -> tuple[str, str]:
    if order["payer_openid"]:  # JSAPI: only the user the order was placed for can pay it
        owner = order["payer_user_id"]
        if user_id and user_id != owner:
            raise PaymentRefused("wrong_user", "该订单需由下单时指定的用户支付")
        return owner, order["payer_openid"]
    if not user_id:
        raise PaymentRefused("invalid_request", "请指定付款用户 user_id")
    if sandbox.users.get(user_id) is None:
        raise PaymentRefused("not_found", f"用户 {user_id} 不存在", 404)
    return user_id, sandbox.users.openid(user_id, order["appid"])


def confirm(
    sandbox, ref: dict[str, Any], user_id: str | None = None, bank_type: str = "OTHERS"
) -> dict[str, Any]:
    """The user pays: NOTPAY → SUCCESS (guarded), then the TRANSACTION.SUCCESS notification is queued."""
    with sandbox.state.transaction():
        order = find_order(sandbox, ref)
        if order["trade_state"] in store.PAID_STATES:
            raise PaymentRefused("already_paid", "订单已支付", 409)
        if order["trade_state"] != "NOTPAY":
            raise PaymentRefused(
                "not_payable", f"订单状态为{store.TRADE_STATE_DESC.get(order['trade_state'])}，不能支付", 409
            )
        payer_user, openid = _payer(sandbox, order, user_id)
        now = sandbox.clock.now()
        updated = sandbox.state.execute(
            "UPDATE pay_orders SET trade_state = 'SUCCESS', transaction_id = ?, success_time = ?, payer_total = ?,"
            " payer_openid = ?, payer_user_id = ?, bank_type = ? WHERE id = ? AND trade_state = 'NOTPAY'",
            (
                store.new_transaction_id(now),
                now,
                order["amount_total"],
                openid,
                payer_user,
                bank_type,
                order["id"],
            ),
        )
        if updated.rowcount != 1:
            raise PaymentRefused("not_payable", "订单状态已变化，请重试", 409)
        paid = dict(sandbox.state.one("SELECT * FROM pay_orders WHERE id = ?", (order["id"],)))
        store.credit_balance(sandbox.state, paid["mchid"], paid["amount_total"])
        funds.book_payment(sandbox, paid)
        mp = sandbox.surfaces.get("wxsandbox.mp")
        if mp is not None:  # paying is an interaction: it opens a customer-service window (configurable)
            mp.conversation.touch_interaction(sandbox, paid["appid"], payer_user, "payment")
        merchant = sandbox.config.merchant(paid["mchid"])
        deliveries = notify.send(
            sandbox,
            merchant,
            paid["notify_url"],
            "TRANSACTION.SUCCESS",
            "支付成功",
            "transaction",
            transaction_json(paid, sandbox.clock),
        )
    return describe(sandbox, paid) | {"deliveries": deliveries}


def cancel(sandbox, ref: dict[str, Any], user_id: str | None = None) -> dict[str, Any]:
    """The user closes the cashier: nothing changes for the merchant (the order stays NOTPAY)."""
    order = find_order(sandbox, ref)
    if order["trade_state"] == "NOTPAY":
        _payer(sandbox, order, user_id)
    return describe(sandbox, order) | {"cancelled": True}


def pending_for(sandbox, user_id: str) -> list[dict[str, Any]]:
    """Unpaid orders that name this user as payer (JSAPI) — what the phone shows as awaiting payment."""
    rows = sandbox.state.query(
        "SELECT * FROM pay_orders WHERE payer_user_id = ? AND trade_state = 'NOTPAY' ORDER BY created_at DESC",
        (user_id,),
    )
    now, expired_state = sandbox.clock.now(), sandbox.config.pay.expired_order_state
    orders = [store.expire_if_due(sandbox.state, dict(r), now, expired_state) for r in rows]
    return [
        describe(sandbox, o) | {"prepay_id": o["prepay_id"]} for o in orders if o["trade_state"] == "NOTPAY"
    ]


def verify_invocation(sandbox, params: dict[str, Any], user_id: str | None = None) -> dict[str, Any]:
    """What WeChat's client checks when a page calls ``getBrandWCPayRequest`` / ``wx.requestPayment`` (JSAPI,
    Mini Program) or the App SDK opens the cashier (reference §1.9): the ``paySign`` over the 4-line message
    with the merchant's key, the prepay_id, and that it belongs to the ``appId`` given. Returns the cashier
    view; raises PaymentRefused(``invalid_signature`` …) with ``get_brand_wcpay_request:fail`` semantics.
    """
    if "partnerid" in params or "prepayid" in params:  # App SDK parameters
        appid, timestamp, nonce = params.get("appid"), params.get("timestamp"), params.get("noncestr")
        prepay_id, signature = params.get("prepayid"), params.get("sign")
        if params.get("package") != "Sign=WXPay":
            raise PaymentRefused("invalid_request", "App 调起支付的 package 必须为 Sign=WXPay")
        message_fourth = prepay_id
    else:
        appid, timestamp, nonce = params.get("appId"), params.get("timeStamp"), params.get("nonceStr")
        package, signature = params.get("package"), params.get("paySign")
        if params.get("signType", "RSA") != "RSA":
            raise PaymentRefused("invalid_request", "signType 必须为 RSA")
        if not isinstance(package, str) or not package.startswith("prepay_id=") or package == "prepay_id=":
            raise PaymentRefused("invalid_request", "package 格式应为 prepay_id=***")
        prepay_id, message_fourth = package[len("prepay_id=") :], package
    values = (appid, timestamp, nonce, prepay_id, signature)
    if not all(isinstance(v, str) and v for v in values):
        raise PaymentRefused("invalid_request", "调起支付参数缺失")
    if not (timestamp.isdigit() and len(timestamp) == 10):
        raise PaymentRefused("invalid_request", "timeStamp 应为10位秒级时间戳字符串")
    order = find_order(sandbox, {"prepay_id": prepay_id})
    if order["appid"] != appid:
        raise PaymentRefused("appid_mismatch", "调起支付的 appId 与下单 appid 不一致")
    merchant = sandbox.config.merchant(order["mchid"])
    message = signing.invocation_message(appid, timestamp, nonce, message_fourth)
    if not crypto.rsa_verify(merchant.merchant_public_key_pem, message, signature):
        raise PaymentRefused("invalid_signature", "支付验证签名失败")
    state = order["trade_state"]
    if state != "NOTPAY":
        reason = (
            "该订单已支付"
            if state in store.PAID_STATES
            else f"{store.TRADE_STATE_DESC.get(state, state)}，不能支付"
        )
        raise PaymentRefused("not_payable", reason, 409)
    if user_id and order["payer_user_id"] and user_id != order["payer_user_id"]:
        raise PaymentRefused("wrong_user", "该订单需由下单时指定的用户支付")
    return describe(sandbox, order) | {"prepay_id": prepay_id}
