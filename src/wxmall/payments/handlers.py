"""Outbox delivery to WeChat Pay (destination `wechat_pay`): close an attempt, submit a refund.

Both are idempotent on WeChat's side (closing a closed order is fine; the same out_refund_no refunds once),
so the relay's at-least-once delivery is safe."""

from __future__ import annotations

from typing import Any

from wxmall.core.outbox import DeliveryError, PermanentError

from . import actions, wechatpay
from .config import pay_config
from .models import Refund, RefundStatus


def deliver(message, config: dict[str, Any]) -> None:
    try:
        if message.kind == actions.CLOSE:
            _close(message.payload["out_trade_no"])
        elif message.kind == actions.SUBMIT_REFUND:
            _submit_refund(message.payload["out_refund_no"])
        else:
            raise PermanentError(f"unknown kind {message.kind}")
    except wechatpay.GatewayError as exc:
        if exc.status == 0 or exc.status >= 500 or exc.status == 429:
            raise DeliveryError(str(exc)) from exc
        raise PermanentError(str(exc)) from exc


def _close(out_trade_no: str) -> None:
    try:
        wechatpay.close(pay_config(), out_trade_no)
    except wechatpay.GatewayError as exc:
        if exc.status == 404:
            return  # WeChat never had it (the prepay failed): nothing to close
        if exc.status == 400 and exc.code in ("ORDERPAID", "ORDER_PAID", "TRADE_ERROR"):
            # Paid after all: take the money in through the one path (it refunds what is surplus).
            status, body = wechatpay.query(pay_config(), out_trade_no)
            if status == 200:
                actions.apply_transaction(body)
                return
        raise


def _submit_refund(out_refund_no: str) -> None:
    refund = Refund.objects.select_related("payment").get(out_refund_no=out_refund_no)
    if refund.status != RefundStatus.REQUESTED:
        return
    status, body = wechatpay.refund(
        pay_config(),
        out_trade_no=refund.payment.out_trade_no,
        out_refund_no=refund.out_refund_no,
        amount=refund.amount,
        total=refund.payment.paid_amount or refund.payment.amount,
        reason=refund.reason,
    )
    if status == 200:
        Refund.objects.filter(pk=refund.pk, status=RefundStatus.REQUESTED).update(
            status=RefundStatus.PROCESSING, refund_id=str(body.get("refund_id", ""))[:64]
        )
        if body.get("status") in ("SUCCESS", "CLOSED", "ABNORMAL"):
            actions.apply_refund_result(body | {"mchid": pay_config().mchid})
        return
    Refund.objects.filter(pk=refund.pk).update(last_error=f"{status} {body.get('code', '')}"[:200])
    raise wechatpay.GatewayError(status, str(body.get("code", "")), str(body.get("message", ""))[:200])
