"""Paying commissions without 二清 (the shop never collects a sharer's money to pay it out by hand):
WeChat Pay profit sharing out of the order's own frozen funds, or a merchant transfer (商家转账) where
there is no payment of ours to split (reference wechat-kf-security-shipping.md §5).

Flow (outbox destination `channels_pay`, each step an outbox row written in the transaction that moves
the commission, delivered at least once):

    accrued ──(after-sale window, `start`)──► splitting ──► settled
                                                  └──────► failed ──(staff retry)──► splitting

* `start` takes what is due (guarded ACCRUED → SPLITTING), nets off claw-backs the sharer still owes
  (`Reversal.TO_RECOVER`), fixes the amount and assigns the attempt's numbers (`split_no`, `bill_no`).
  The same numbers go to WeChat however often the row is redelivered, so a split or transfer happens
  once; a new attempt (after a refusal, which moved nothing) gets new ones.
* the split registers the receiver first (`receivers/add`, idempotent) and asks WeChat to unfreeze the
  rest of the order's funds with it (`unfreeze_unsplit`): nothing stays frozen for nobody.
* a transfer from 2,000 yuan carries the sharer's real name (`user_name`, encrypted for WeChat Pay);
  without a recorded name nothing is sent and the commission fails with a message for staff.
* a refusal (400/403: receiver not bound, funds already unfrozen, ratio exceeded …) fails the commission
  with WeChat's reason for staff, and the row is dead-lettered; transport errors and 5xx retry.
* a refund after the split claws back: a merchant receiver by a profit-sharing return (`…_CMR<id>_<n>`);
  a person (WeChat cannot return from a personal balance) by deduction from their next commissions.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from wxmall.core.errors import DomainError
from wxmall.core.outbox import DeliveryError, PermanentError, enqueue
from wxmall.orders.state import OrderStatus
from wxmall.payments import wechatpay
from wxmall.payments.config import pay_config
from wxmall.payments.models import Payment, PaymentStatus

from .errors import ChannelsError
from .models import Commission, CommissionStatus, ReceiverType, Reversal, SettleMethod, Sharer

DESTINATION = "channels_pay"
SPLIT, TRANSFER, RETURN, UNFREEZE = (
    "commission.split",
    "commission.transfer",
    "commission.return",
    "commission.unfreeze",
)
MAX_ATTEMPTS = 9  # one digit in the transfer number; beyond that staff pay another way
SETTLEABLE = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
TRANSFER_DONE = {
    "SUCCESS": CommissionStatus.SETTLED,
    "FAIL": CommissionStatus.FAILED,
    "CANCELLED": CommissionStatus.FAILED,
}


def wants_profit_sharing(sender, order, **kwargs) -> bool:
    """payments' `profit_sharing_wanted`: freeze the funds of an order a bound sharer brought and a rule
    pays commission on, so the commission can be split from them after the window."""
    from . import commission
    from .models import Attribution

    attribution = Attribution.objects.filter(order=order, sharer__bound=True).first()
    return attribution is not None and commission.for_order(order).amount > 0


def _paid_payment(order_id: int) -> Payment | None:
    return Payment.objects.filter(order_id=order_id, status=PaymentStatus.PAID).first()


def _queue(row: Commission, kind: str) -> None:
    enqueue(DESTINATION, kind, {"commission": row.pk}, key=f"{DESTINATION}:{kind}:{row.pk}:{row.attempt}")


def split_no(row: Commission, attempt: int) -> str:
    """`<order no>_CM<id>_<attempt>` (≤ 64, WeChat's charset): readable in WeChat's bills."""
    return f"{row.order.order_no}_CM{row.pk}_{attempt}"


def bill_no(row: Commission, attempt: int) -> str:
    """`<order no>T<id>N<attempt>`: letters and digits only, ≤ 32 (order numbers are 22)."""
    return f"{row.order.order_no}T{row.pk}N{attempt}"


def due(now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        Commission.objects.filter(status=CommissionStatus.ACCRUED, settle_after__lte=now)
        .order_by("settle_after")
        .values_list("pk", flat=True)[:200]
    )


def start(commission_id: int, *, now=None, retry: bool = False) -> Commission:
    """Begin paying one commission that is due (or, with `retry`, one that failed). Idempotent."""
    now = now or timezone.now()
    expected = CommissionStatus.FAILED if retry else CommissionStatus.ACCRUED
    with transaction.atomic():
        row = (
            Commission.objects.select_for_update()
            .select_related("order", "sharer")
            .filter(pk=commission_id)
            .first()
        )
        if row is None:
            raise DomainError(ChannelsError.COMMISSION_UNKNOWN)
        if row.status != expected or (not retry and row.settle_after > now) or row.attempt >= MAX_ATTEMPTS:
            return row
        if row.order.status not in SETTLEABLE:
            return row  # a refund is being decided (or went through): wait for its outcome
        method = row.method
        payment = _paid_payment(row.order_id) if method == SettleMethod.PROFIT_SHARING else None
        if method == SettleMethod.PROFIT_SHARING and (payment is None or not payment.profit_sharing):
            method = SettleMethod.TRANSFER  # paid without frozen funds: nothing to split, pay from balance
        owed = list(
            Reversal.objects.select_for_update()
            .filter(commission__sharer=row.sharer, status=Reversal.Status.TO_RECOVER)
            .order_by("created_at", "id")
        )
        pay, recovered = row.net, []
        for reversal in owed:
            if reversal.amount <= pay:
                pay -= reversal.amount
                recovered.append(reversal.pk)
        Reversal.objects.filter(pk__in=recovered).update(status=Reversal.Status.RECOVERED, recovered_by=row)
        attempt = row.attempt + 1
        fields: dict[str, Any] = {"method": method, "paid_amount": pay, "attempt": attempt, "failure": ""}
        if payment is not None:
            fields["transaction_id"] = payment.transaction_id or ""
        if pay <= 0:
            fields |= {"status": CommissionStatus.SETTLED, "settled_at": now}
        else:
            fields["status"] = CommissionStatus.SPLITTING
            if method == SettleMethod.PROFIT_SHARING:
                fields["out_order_no"] = split_no(row, attempt)
            else:
                fields["out_bill_no"] = bill_no(row, attempt)
        Commission.objects.filter(pk=row.pk, status=expected).update(**fields)
        row.refresh_from_db()
        if pay <= 0:
            if method == SettleMethod.PROFIT_SHARING:
                queue_unfreeze(row)
        else:
            _queue(row, SPLIT if method == SettleMethod.PROFIT_SHARING else TRANSFER)
    return row


def queue_unfreeze(row: Commission) -> None:
    """Nothing (more) to split from the order's frozen funds: give them to the shop now, not in 30 days."""
    if row.transaction_id:
        _queue(row, UNFREEZE)


def claw_back(row: Commission, *, ref: str, amount: int) -> Reversal:
    """Inside the reversing transaction (row locked): money already left for this commission."""
    sharer = row.sharer
    if row.method == SettleMethod.PROFIT_SHARING and sharer.receiver_type == ReceiverType.MERCHANT_ID:
        number = row.reversals.count() + 1
        reversal = Reversal.objects.create(
            commission=row,
            ref=ref,
            amount=amount,
            status=Reversal.Status.RETURNING,
            out_return_no=f"{row.order.order_no}_CMR{row.pk}_{number}",
        )
        enqueue(
            DESTINATION,
            RETURN,
            {"reversal": reversal.pk},
            key=f"{DESTINATION}:{RETURN}:{reversal.out_return_no}",
        )
        return reversal
    return Reversal.objects.create(commission=row, ref=ref, amount=amount, status=Reversal.Status.TO_RECOVER)


# --- outcomes -------------------------------------------------------------------------------------------
def _fail(row: Commission, reason: str) -> None:
    """WeChat refused the attempt: nothing moved. Claw-backs booked against it were never owed."""
    with transaction.atomic():
        if Commission.objects.filter(pk=row.pk, status=CommissionStatus.SPLITTING).update(
            status=CommissionStatus.FAILED, failure=reason[:200]
        ):
            Reversal.objects.filter(
                commission=row, status__in=[Reversal.Status.TO_RECOVER, Reversal.Status.RETURNING]
            ).update(status=Reversal.Status.BOOKED)
            Reversal.objects.filter(recovered_by=row, status=Reversal.Status.RECOVERED).update(
                status=Reversal.Status.TO_RECOVER, recovered_by=None
            )


def _settled(row: Commission, wechat_id: str) -> None:
    Commission.objects.filter(pk=row.pk, status=CommissionStatus.SPLITTING).update(
        status=CommissionStatus.SETTLED, settled_at=timezone.now(), wechat_id=wechat_id[:64]
    )


def apply_share(row: Commission, body: dict[str, Any]) -> str:
    """A profit-sharing order object (create or query): our receiver's line decides."""
    line = next(
        (
            r
            for r in body.get("receivers") or []
            if isinstance(r, dict) and r.get("account") == row.sharer.account
        ),
        {},
    )
    result = str(line.get("result") or "")
    if result == "SUCCESS":
        _settled(row, str(body.get("order_id") or ""))
    elif result == "CLOSED":
        _fail(row, f"分账失败：{line.get('fail_reason') or '已关闭'}")
    Commission.objects.filter(pk=row.pk).update(wechat_id=str(body.get("order_id") or "")[:64])
    return result or str(body.get("state") or "")


def apply_transfer(row: Commission, body: dict[str, Any]) -> str:
    state = str(body.get("state") or "")
    Commission.objects.filter(pk=row.pk).update(wechat_id=str(body.get("transfer_bill_no") or "")[:64])
    if TRANSFER_DONE.get(state) == CommissionStatus.SETTLED:
        _settled(row, str(body.get("transfer_bill_no") or ""))
    elif state in TRANSFER_DONE:
        _fail(row, f"转账未完成：{state} {body.get('fail_reason') or ''}".strip())
    return state


def apply_return(reversal: Reversal, body: dict[str, Any]) -> str:
    """A return order (create or query): SUCCESS and FAILED are final; PROCESSING is polled again."""
    result = str(body.get("result") or "")
    pending = Reversal.objects.filter(pk=reversal.pk, status=Reversal.Status.RETURNING)
    if result == "SUCCESS":
        pending.update(status=Reversal.Status.RETURNED)
    elif result == "FAILED":
        pending.update(status=Reversal.Status.FAILED, failure=str(body.get("fail_reason") or "")[:200])
    return result


def poll() -> int:
    """The beat job: ask WeChat about every split, transfer and return still in flight."""
    config, done = pay_config(), 0
    for row in Commission.objects.filter(status=CommissionStatus.SPLITTING).select_related("sharer")[:200]:
        try:
            if row.method == SettleMethod.PROFIT_SHARING:
                status, body = wechatpay.query_share(
                    config, transaction_id=row.transaction_id, out_order_no=row.out_order_no
                )
                if status == 200:
                    apply_share(row, body)
            else:
                status, body = wechatpay.query_transfer(config, row.out_bill_no)
                if status == 200:
                    apply_transfer(row, body)
        except wechatpay.GatewayError:
            continue
        done += 1
    returning = Reversal.objects.filter(
        status=Reversal.Status.RETURNING, commission__status=CommissionStatus.SETTLED
    ).select_related("commission")
    for reversal in returning[:200]:
        try:
            status, body = wechatpay.query_return(
                config, out_order_no=reversal.commission.out_order_no, out_return_no=reversal.out_return_no
            )
        except wechatpay.GatewayError:
            continue
        if status == 200:
            apply_return(reversal, body)
            done += 1
    return done


# --- outbox handler -------------------------------------------------------------------------------------
def _refused(exc: wechatpay.GatewayError) -> bool:
    return 400 <= exc.status < 500 and exc.status != 429


def _ensure_receiver(config, sharer: Sharer) -> None:
    if sharer.receiver_added_at is not None:
        return
    wechatpay.add_receiver(
        config, kind=sharer.receiver_type, account=sharer.account, name=sharer.receiver_name
    )
    Sharer.objects.filter(pk=sharer.pk).update(receiver_added_at=timezone.now())


def _split(row: Commission, config) -> Any:
    try:
        _ensure_receiver(config, row.sharer)
    except wechatpay.GatewayError as exc:
        if _refused(exc):
            _fail(row, f"添加分账接收方失败：{exc.code} {exc.message}")
        raise
    receiver = {
        "type": row.sharer.receiver_type,
        "account": row.sharer.account,
        "amount": row.paid_amount,
        "description": "推广佣金",
    }
    try:
        body = wechatpay.share(
            config,
            transaction_id=row.transaction_id,
            out_order_no=row.out_order_no,
            receivers=[receiver],
            unfreeze=True,
        )
    except wechatpay.GatewayError as exc:
        if _refused(exc):
            if "接收方" in exc.message:  # the relation is gone on WeChat's side: add it again next attempt
                Sharer.objects.filter(pk=row.sharer_id).update(receiver_added_at=None)
            _fail(row, f"微信支付拒绝分账：{exc.code} {exc.message}")
        raise
    return {"result": apply_share(row, body)}


def _transfer(row: Commission, config) -> Any:
    from django.conf import settings

    user_name = ""
    if row.paid_amount >= wechatpay.TRANSFER_NAME_FROM:
        user_name = row.sharer.real_name
        if not user_name:  # WeChat would refuse it: nothing is sent, staff record the name and retry
            _fail(row, ChannelsError.REAL_NAME_MISSING.message)
            return {"state": "real_name_missing"}
    try:
        body = wechatpay.transfer(
            config,
            out_bill_no=row.out_bill_no,
            openid=row.sharer.account,
            amount=row.paid_amount,
            remark="推广佣金",
            scene_id=settings.CHANNELS_TRANSFER_SCENE_ID,
            reports=[
                {"info_type": "活动名称", "info_content": "分享员推广佣金"},
                {"info_type": "奖励说明", "info_content": f"订单 {row.order.order_no} 的推广佣金"[:32]},
            ],
            user_name=user_name,
        )
    except wechatpay.GatewayError as exc:
        if _refused(exc):
            _fail(row, f"微信支付拒绝转账：{exc.code} {exc.message}")
        raise
    return {"state": apply_transfer(row, body)}


def _return(reversal_id: int, config) -> Any:
    reversal = Reversal.objects.select_related("commission__sharer").get(pk=reversal_id)
    row = reversal.commission
    if reversal.status != Reversal.Status.RETURNING:
        return {"skipped": reversal.status}
    if row.status == CommissionStatus.SPLITTING:
        raise DeliveryError("分账尚未完成，稍后回退")
    try:
        body = wechatpay.return_share(
            config,
            out_order_no=row.out_order_no,
            out_return_no=reversal.out_return_no,
            return_mchid=row.sharer.account,
            amount=reversal.amount,
            description="用户退款，佣金回退",
        )
    except wechatpay.GatewayError as exc:
        if _refused(exc):
            Reversal.objects.filter(pk=reversal.pk, status=Reversal.Status.RETURNING).update(
                status=Reversal.Status.FAILED, failure=f"{exc.code} {exc.message}"[:200]
            )
        raise
    return {"result": apply_return(reversal, body)}


def _unfreeze(row: Commission, config) -> Any:
    try:
        body = wechatpay.unfreeze(
            config,
            transaction_id=row.transaction_id,
            out_order_no=f"{row.order.order_no}_CMU{row.pk}",
            description="佣金已冲销，解冻剩余资金",
        )
    except wechatpay.GatewayError as exc:
        if exc.status == 400 and "完结" in exc.message:
            return {"state": "already_unfrozen"}
        raise
    return {"state": str(body.get("state") or "")}


def deliver(message, config: dict[str, Any]) -> Any:
    payload = message.payload
    try:
        pay = pay_config()
        if message.kind == RETURN:
            return _return(int(payload["reversal"]), pay)
        row = Commission.objects.select_related("sharer", "order").get(pk=int(payload["commission"]))
        if message.kind == UNFREEZE:
            return _unfreeze(row, pay)
        if row.status != CommissionStatus.SPLITTING:
            return {"skipped": row.status}
        if message.kind == SPLIT:
            return _split(row, pay)
        if message.kind == TRANSFER:
            return _transfer(row, pay)
        raise PermanentError(f"{DESTINATION} 不处理 {message.kind}")
    except (Commission.DoesNotExist, Reversal.DoesNotExist, KeyError, ValueError) as exc:
        raise PermanentError(f"消息内容不完整：{type(exc).__name__}") from exc
    except wechatpay.GatewayError as exc:
        if _refused(exc):
            raise PermanentError(str(exc)[:500]) from exc
        raise DeliveryError(str(exc)[:500]) from exc


def retry(commission_id: int) -> Commission:
    """Staff: try a failed commission again (new numbers; the refused attempt moved nothing)."""
    row = start(commission_id, retry=True)
    if row.status != CommissionStatus.SPLITTING and row.status != CommissionStatus.SETTLED:
        raise DomainError(ChannelsError.COMMISSION_STATE)
    return row
