"""Domestic refunds: create, query, settle (PROCESSING → SUCCESS after ``refund_settle_seconds`` of sandbox
time) and REFUND.* notifications (reference §1.12)."""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.pay import funds, notify, store
from wxsandbox.pay.http import PayContext, PayError, param_error, pay_endpoint
from wxsandbox.pay.transactions import REQUIRED, _object, _string, request_digest, validate_notify_url

OUT_REFUND_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")
REFUND_SUMMARY = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常", "CLOSED": "退款关闭"}


def settle_if_due(sandbox, refund: dict[str, Any]) -> dict[str, Any]:
    """A PROCESSING refund whose settle time has come is SUCCESS (guarded update).

    Like callbacks, the moment is reached by sandbox time or by time_factor-scaled wall-clock time, so the
    REFUND.SUCCESS notification and the query agree under compressed time.
    """
    due = refund["success_at"] is not None and (
        sandbox.clock.now() >= refund["success_at"] or time.time() >= (refund["settle_real"] or float("inf"))
    )
    if refund["status"] == "PROCESSING" and due:
        sandbox.state.execute(
            "UPDATE pay_refunds SET status = 'SUCCESS' WHERE id = ? AND status = 'PROCESSING'",
            (refund["id"],),
        )
        refund = dict(sandbox.state.one("SELECT * FROM pay_refunds WHERE id = ?", (refund["id"],)))
    return refund


def refund_json(sandbox, refund: dict[str, Any], order: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "refund_id": refund["refund_id"],
        "out_refund_no": refund["out_refund_no"],
        "transaction_id": order["transaction_id"],
        "out_trade_no": order["out_trade_no"],
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
    }
    if refund["status"] == "SUCCESS":
        data["success_time"] = sandbox.clock.rfc3339(refund["success_at"])
    data |= {
        "create_time": sandbox.clock.rfc3339(refund["created_at"]),
        "status": refund["status"],
        "funds_account": "AVAILABLE",
        "amount": {
            "total": order["amount_total"],
            "refund": refund["amount_refund"],
            "from": [],
            "payer_total": order["payer_total"],
            "payer_refund": refund["amount_refund"],
            "settlement_refund": refund["amount_refund"],
            "settlement_total": order["amount_total"],
            "discount_refund": 0,
            "currency": order["currency"],
            "refund_fee": 0,
        },
        "promotion_detail": [],
    }
    return data


def notification_resource(
    sandbox, refund: dict[str, Any], order: dict[str, Any], status: str
) -> dict[str, Any]:
    resource = {
        "mchid": order["mchid"],
        "transaction_id": order["transaction_id"],
        "out_trade_no": order["out_trade_no"],
        "refund_id": refund["refund_id"],
        "out_refund_no": refund["out_refund_no"],
        "refund_status": status,
    }
    if status == "SUCCESS":
        resource["success_time"] = sandbox.clock.rfc3339(refund["success_at"])
    resource["user_received_account"] = "支付用户零钱"
    resource["amount"] = {
        "total": order["amount_total"],
        "refund": refund["amount_refund"],
        "payer_total": order["payer_total"],
        "payer_refund": refund["amount_refund"],
    }
    return resource


def _validate(ctx: PayContext, data: dict[str, Any]) -> dict[str, Any]:
    transaction_id = _string(data, "transaction_id", "/body/transaction_id", required=False, max_len=32)
    out_trade_no = _string(data, "out_trade_no", "/body/out_trade_no", required=False, max_len=32)
    if not transaction_id and not out_trade_no:
        raise PayError("PARAM_ERROR", "transaction_id和out_trade_no必须二选一", 400, {"location": "body"})
    out_refund_no = _string(data, "out_refund_no", "/body/out_refund_no", required=True, max_len=64)
    if not OUT_REFUND_NO.fullmatch(out_refund_no):
        raise param_error(
            "/body/out_refund_no", "", "out_refund_no应为1-64位数字、大小写字母、_-|*@组成的字符串"
        )
    reason = _string(data, "reason", "/body/reason", required=False, max_len=80)
    notify_url = _string(data, "notify_url", "/body/notify_url", required=False, max_len=256)
    if notify_url:
        validate_notify_url(notify_url, "/body/notify_url", ctx.settings.require_https_notify_url)
    amount = _object(data, "amount", "/body/amount", required=True)
    for key in ("refund", "total"):
        value = amount.get(key)
        if value is None:
            raise param_error(f"/body/amount/{key}", REQUIRED)
        if isinstance(value, bool) or not isinstance(value, int):
            raise param_error(f"/body/amount/{key}", "类型校验失败，应为整数")
        if value < 1:
            raise param_error(f"/body/amount/{key}", "", "金额必须大于0")
    if amount.get("currency") is None:
        raise param_error("/body/amount/currency", REQUIRED)
    if amount["currency"] != "CNY":
        raise param_error("/body/amount/currency", "", "境内商户仅支持人民币CNY")
    return {
        "transaction_id": transaction_id,
        "out_trade_no": out_trade_no,
        "out_refund_no": out_refund_no,
        "reason": reason,
        "notify_url": notify_url,
        "refund": amount["refund"],
        "total": amount["total"],
        "digest": request_digest("refund", data),
    }


@pay_endpoint
async def create_refund(request: Request, ctx: PayContext):
    fields = _validate(ctx, ctx.json_body())
    sandbox, settings, mchid = ctx.sandbox, ctx.settings, ctx.merchant.mchid
    with sandbox.state.transaction():
        existing = sandbox.state.one(
            "SELECT * FROM pay_refunds WHERE mchid = ? AND out_refund_no = ?",
            (mchid, fields["out_refund_no"]),
        )
        if existing is not None:
            existing = settle_if_due(sandbox, dict(existing))
            if existing["request_digest"] != fields["digest"]:
                raise PayError("INVALID_REQUEST", "退款单号已存在，且请求参数与原退款单不一致", 400)
            order = dict(sandbox.state.one("SELECT * FROM pay_orders WHERE id = ?", (existing["order_id"],)))
            return 200, refund_json(sandbox, existing, order)
        key = (
            {"transaction_id": fields["transaction_id"]}
            if fields["transaction_id"]
            else {"out_trade_no": fields["out_trade_no"]}
        )
        order = store.order_by(sandbox.state, mchid, **key)
        if order is None:
            raise PayError("RESOURCE_NOT_EXISTS", "订单不存在", 404)
        if (
            fields["transaction_id"]
            and fields["out_trade_no"]
            and fields["out_trade_no"] != order["out_trade_no"]
        ):
            raise PayError("INVALID_REQUEST", "transaction_id与out_trade_no不属于同一订单", 400)
        if order["trade_state"] not in store.PAID_STATES:
            raise PayError("INVALID_REQUEST", "订单未支付，不能退款", 400)
        if fields["total"] != order["amount_total"]:
            raise PayError("INVALID_REQUEST", "订单金额total与原订单金额不一致", 400)
        count = sandbox.state.scalar("SELECT COUNT(*) FROM pay_refunds WHERE order_id = ?", (order["id"],))
        if count >= settings.max_refunds_per_order:
            raise PayError("INVALID_REQUEST", f"同一订单最多退款{settings.max_refunds_per_order}次", 400)
        # Guarded reservation: never more than the order total, even under concurrent refunds.
        reserved = sandbox.state.execute(
            "UPDATE pay_orders SET refunded_total = refunded_total + ?, trade_state = 'REFUND'"
            " WHERE id = ? AND refunded_total + ? <= amount_total",
            (fields["refund"], order["id"], fields["refund"]),
        )
        if reserved.rowcount != 1:
            # A business-rule refusal, not a funds problem (developer-community reports; issue 8).
            raise PayError("INVALID_REQUEST", "申请退款金额超过订单可退金额", 400)
        # NOT_ENOUGH is about the merchant's money: the refund is paid out of the available balance. The
        # transaction rolls the reservation above back with it.
        if not store.debit_balance(sandbox.state, mchid, fields["refund"]):
            raise PayError(settings.code_not_enough, "基本账户余额不足，请充值后重新发起", 403)
        now = sandbox.clock.now()
        settle_at = now + settings.refund_settle_seconds
        cur = sandbox.state.execute(
            "INSERT INTO pay_refunds (mchid, order_id, out_refund_no, refund_id, amount_refund, reason, notify_url,"
            " request_digest, status, created_at, success_at, settle_real)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'PROCESSING', ?, ?, ?)",
            (
                mchid,
                order["id"],
                fields["out_refund_no"],
                store.new_refund_id(now),
                fields["refund"],
                fields["reason"],
                fields["notify_url"],
                fields["digest"],
                now,
                settle_at,
                time.time() + settings.refund_settle_seconds * sandbox.callbacks.time_factor,
            ),
        )
        refund = dict(sandbox.state.one("SELECT * FROM pay_refunds WHERE id = ?", (cur.lastrowid,)))
        order = dict(sandbox.state.one("SELECT * FROM pay_orders WHERE id = ?", (order["id"],)))
        funds.book_refund(sandbox, refund, order)
        if refund["notify_url"]:
            settled = refund | {"status": "SUCCESS"}
            notify.send(
                sandbox,
                ctx.merchant,
                refund["notify_url"],
                "REFUND.SUCCESS",
                REFUND_SUMMARY["SUCCESS"],
                "refund",
                notification_resource(sandbox, settled, order, "SUCCESS"),
                delay=settings.refund_settle_seconds,
            )
    return 200, refund_json(sandbox, refund, order)


@pay_endpoint
async def query_refund(request: Request, ctx: PayContext):
    sandbox = ctx.sandbox
    row = sandbox.state.one(
        "SELECT * FROM pay_refunds WHERE mchid = ? AND out_refund_no = ?",
        (ctx.merchant.mchid, request.path_params["out_refund_no"]),
    )
    if row is None:
        raise PayError("RESOURCE_NOT_EXISTS", "退款单不存在", 404)
    refund = settle_if_due(sandbox, dict(row))
    order = dict(sandbox.state.one("SELECT * FROM pay_orders WHERE id = ?", (refund["order_id"],)))
    return 200, refund_json(sandbox, refund, order)


def force_result(sandbox, mchid: str, out_refund_no: str, status: str) -> dict[str, Any]:
    """Control hook for a refund still in flight (PROCESSING, or ABNORMAL which is not final):

    - ``PROCESSING`` holds it: it no longer settles by itself and its scheduled REFUND.SUCCESS is withdrawn
      (a refund stuck at WeChat; the merchant only learns more by querying);
    - ``SUCCESS`` settles it now (REFUND.SUCCESS is notified);
    - ``ABNORMAL`` / ``CLOSED`` end it so (CLOSED gives the amount back), with REFUND.<status>.
    """
    if status not in ("PROCESSING", "SUCCESS", "ABNORMAL", "CLOSED"):
        raise ValueError("status must be PROCESSING, SUCCESS, ABNORMAL or CLOSED")
    with sandbox.state.transaction():
        row = sandbox.state.one(
            "SELECT * FROM pay_refunds WHERE mchid = ? AND out_refund_no = ?", (mchid, out_refund_no)
        )
        if row is None:
            raise LookupError(out_refund_no)
        refund = dict(row)
        now = sandbox.clock.now()
        changed = sandbox.state.execute(
            "UPDATE pay_refunds SET status = ?, success_at = ?, settle_real = NULL"
            " WHERE id = ? AND status IN ('PROCESSING', 'ABNORMAL')",
            (status, now if status == "SUCCESS" else None, refund["id"]),
        )
        if changed.rowcount != 1:
            raise ValueError(f"refund is already {refund['status']}")
        order = dict(sandbox.state.one("SELECT * FROM pay_orders WHERE id = ?", (refund["order_id"],)))
        if status == "CLOSED":
            sandbox.state.execute(
                "UPDATE pay_orders SET refunded_total = refunded_total - ? WHERE id = ?",
                (refund["amount_refund"], refund["order_id"]),
            )
            store.credit_balance(sandbox.state, mchid, refund["amount_refund"])
            funds.book_refund(sandbox, refund, order, closed=True)
        # The scheduled REFUND.SUCCESS notification must not go out any more (or not at its old time).
        for delivery in sandbox.callbacks.list(kind=notify.KIND, status="pending"):
            if (
                delivery["meta"].get("event_type") == "REFUND.SUCCESS"
                and delivery["meta"].get("out_refund_no") == out_refund_no
            ):
                sandbox.callbacks.cancel(delivery["id"])
        refund = dict(sandbox.state.one("SELECT * FROM pay_refunds WHERE id = ?", (refund["id"],)))
        order = dict(sandbox.state.one("SELECT * FROM pay_orders WHERE id = ?", (refund["order_id"],)))
        if refund["notify_url"] and status != "PROCESSING":
            notify.send(
                sandbox,
                sandbox.config.merchant(mchid),
                refund["notify_url"],
                f"REFUND.{status}",
                REFUND_SUMMARY[status],
                "refund",
                notification_resource(sandbox, refund, order, status),
            )
    return refund_json(sandbox, refund, order)


routes = [
    Route("/v3/refund/domestic/refunds", create_refund, methods=["POST"], name="pay.refund"),
    Route(
        "/v3/refund/domestic/refunds/{out_refund_no}", query_refund, methods=["GET"], name="pay.refund_query"
    ),
]
