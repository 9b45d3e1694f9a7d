"""Payment state changes, each in one transaction. Network calls to WeChat Pay never run inside one: a
prepay writes its Payment row first, calls WeChat, then records the answer; closes and refunds are outbox
rows (destination `wechat_pay`, delivered by `payments.handlers`) written with the change that needs them.

The one path that marks an order paid is `apply_transaction`, shared by the notify worker
(`apply_notification`: the endpoint only stores and kicks, see views), the active query job and the
"我已支付" button: it locks the Payment row, checks mchid, appid, out_trade_no and amount
against what we asked WeChat for, and calls `orders.actions.mark_paid`, which locks the order. Whatever the
order of arrival and however often, an order is paid once; a payment that cannot be accepted (amount
differs, the order was cancelled meanwhile, a second attempt paid too) is flagged for staff, and when the
money is simply surplus it is refunded automatically."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from wxmall.accounts import points
from wxmall.audit import actions as audit
from wxmall.celery import app as celery_app
from wxmall.core.errors import DomainError
from wxmall.core.money import format_yuan
from wxmall.core.outbox import enqueue
from wxmall.orders import actions as order_actions
from wxmall.orders.errors import OrderError
from wxmall.orders.models import Order
from wxmall.orders.state import ActorKind, OrderStatus

from . import events, wechatpay
from .config import PayConfig, pay_config
from .errors import PaymentError
from .models import (
    LatePayment,
    Notification,
    NotificationOutcome,
    OfflinePayment,
    Payment,
    PaymentStatus,
    PayMethod,
    Refund,
    RefundStatus,
)

logger = logging.getLogger(__name__)
DESTINATION = "wechat_pay"
CLOSE = "payment.close"
SUBMIT_REFUND = "refund.submit"
APPLY_TASK = "wxmall.payments.apply_notifications"  # by name: tasks imports this module
_BEIJING = timezone.get_fixed_timezone(8 * 60)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(_BEIJING).replace(microsecond=0).isoformat()


def _parse_time(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return timezone.now()


# --- prepay ---------------------------------------------------------------------------------------------
def _reusable(order: Order, method: str, now: datetime) -> Payment | None:
    """A pending attempt of the same method whose code/prepay is still good: show it again."""
    payment = (
        Payment.objects.filter(order=order, method=method, status=PaymentStatus.PENDING)
        .exclude(prepay_id="", code_url="", h5_url="")
        .order_by("-created_at", "-id")
        .first()
    )
    if payment and payment.code_expires_at and payment.code_expires_at > now + timedelta(seconds=30):
        return payment
    return None


def start_payment(order_no: str, user, method: str, *, openid: str = "", client_ip: str = "") -> Payment:
    """Prepay an unpaid order of `user` with `method`. Reuses a still-valid attempt of the same method;
    otherwise a new attempt (its own out_trade_no) replaces the pending ones, which are closed on WeChat
    through the outbox."""
    if method not in PayMethod.values:
        raise DomainError(PaymentError.METHOD_UNAVAILABLE)
    if method in (PayMethod.JSAPI, PayMethod.MINIPROGRAM) and not openid:
        raise DomainError(PaymentError.OPENID_MISSING)
    config = pay_config()
    appid = config.mp_appid if method == PayMethod.MINIPROGRAM else config.appid
    if not appid:
        raise DomainError(PaymentError.METHOD_UNAVAILABLE)
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(order_no=order_no, user=user).first()
        if order is None:
            raise DomainError(OrderError.NOT_FOUND)
        if order.status != OrderStatus.PENDING_PAYMENT or order.expires_at <= now + timedelta(seconds=60):
            raise DomainError(PaymentError.NOT_PAYABLE)
        reusable = _reusable(order, method, now)
        if reusable is not None:
            return reusable
        for stale in Payment.objects.filter(order=order, status=PaymentStatus.PENDING):
            _close_later(stale)
        # Native codes lapse early so a fresh one is drawn; the order's own deadline bounds them all.
        lifetime = settings.PAYMENT_NATIVE_CODE_SECONDS if method == PayMethod.NATIVE else None
        expires = min(order.expires_at, now + timedelta(seconds=lifetime)) if lifetime else order.expires_at
        attempt = Payment.objects.filter(order=order).count() + 1
        payment = Payment.objects.create(
            order=order,
            method=method,
            appid=appid,
            mchid=config.mchid,
            amount=order.total,
            out_trade_no=f"{order.order_no}_{attempt}",
            payer_openid=openid,
            payer_ip=client_ip or None,
            code_expires_at=expires,
            profit_sharing=events.wants_profit_sharing(order),
        )
    try:
        answer = wechatpay.prepay(
            config,
            method,
            appid=appid,
            out_trade_no=payment.out_trade_no,
            description=_description(order),
            amount=payment.amount,
            time_expire=_rfc3339(expires),
            openid=openid,
            client_ip=client_ip,
            profit_sharing=payment.profit_sharing,
        )
    except wechatpay.GatewayError as exc:
        logger.warning("prepay %s failed: %s", payment.out_trade_no, exc)
        if 400 <= exc.status < 500:  # refused for good; a timeout stays pending for the query job
            Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
                status=PaymentStatus.CLOSED, flag_reason=f"下单失败 {exc.code}"[:200]
            )
        raise DomainError(PaymentError.GATEWAY_ERROR) from exc
    fields = {k: str(answer.get(k, ""))[:512] for k in ("prepay_id", "code_url", "h5_url")}
    Payment.objects.filter(pk=payment.pk).update(**fields)
    for name, value in fields.items():
        setattr(payment, name, value)
    return payment


def _description(order: Order) -> str:
    first = order.lines.order_by("id").first()
    title = first.product_title if first else "商品"
    count = order.lines.count()
    return f"{title} 等{count}件商品" if count > 1 else title


def _close_later(payment: Payment) -> None:
    """Mark an attempt closed here and ask WeChat to close it (outbox, same transaction)."""
    if Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
        status=PaymentStatus.CLOSED
    ):
        enqueue(
            DESTINATION,
            CLOSE,
            {"out_trade_no": payment.out_trade_no},
            key=f"{DESTINATION}:close:{payment.out_trade_no}",
        )


def close_pending_for(order: Order) -> None:
    """Order hook on cancellation: every pending attempt is closed on WeChat, in this transaction."""
    for payment in Payment.objects.filter(order=order, status=PaymentStatus.PENDING):
        _close_later(payment)


# --- a transaction reported by WeChat (notify, query) ---------------------------------------------------
@dataclass(frozen=True)
class Applied:
    outcome: str  # a NotificationOutcome value
    detail: str = ""


def apply_transaction(resource: dict[str, Any], config: PayConfig | None = None) -> Applied:
    """Apply a Transaction object (decrypted notification or query answer). Idempotent."""
    with transaction.atomic():
        return _apply_transaction(resource, config or pay_config())


def _apply_transaction(resource: dict[str, Any], config: PayConfig) -> Applied:
    """`apply_transaction` in the caller's transaction (the worker settles the notification in it)."""
    if resource.get("mchid") != config.mchid:
        return Applied(NotificationOutcome.FLAGGED, "商户号不符")
    if resource.get("trade_state") not in ("SUCCESS", "REFUND"):
        return Applied(NotificationOutcome.IGNORED, f"交易状态 {resource.get('trade_state')}")
    transaction_id = str(resource.get("transaction_id") or "")
    amount = (resource.get("amount") or {}).get("total")
    if not transaction_id or not isinstance(amount, int):
        return Applied(NotificationOutcome.FLAGGED, "通知内容不完整")
    # The order's number comes with the locked payment (by number: loading the order here would decrypt
    # its address for nothing); only the payment's row is locked here, the order's by mark_paid.
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .filter(out_trade_no=str(resource.get("out_trade_no", "")), mchid=config.mchid)
        .annotate(order_number=F("order__order_no"))
        .first()
    )
    if payment is None:
        return Applied(NotificationOutcome.FLAGGED, "未知的商户订单号")
    if resource.get("appid") != payment.appid:
        return Applied(NotificationOutcome.FLAGGED, "AppID 与下单时不符")
    if payment.transaction_id:
        if payment.transaction_id == transaction_id:
            return Applied(NotificationOutcome.DUPLICATE)
        return Applied(NotificationOutcome.FLAGGED, "同一订单号出现另一笔交易")
    paid_at = _parse_time(resource.get("success_time"))
    base = {
        "transaction_id": transaction_id,
        "paid_amount": amount,
        "paid_at": paid_at,
        "trade_type": str(resource.get("trade_type", ""))[:16],
        "payer_openid": str((resource.get("payer") or {}).get("openid", ""))[:128],
    }
    if amount != payment.amount:
        # Never paid on a mismatch: staff decide (the sum on WeChat's side may be a forgery or a bug).
        _save(payment, base | {"status": PaymentStatus.FLAGGED, "flag_reason": "支付金额与订单金额不一致"})
        return Applied(NotificationOutcome.FLAGGED, "支付金额与订单金额不一致")
    order_no = payment.order_number
    try:
        # mark_paid's own savepoint undoes whatever it (and the paid hooks) wrote when it refuses.
        order_actions.mark_paid(order_no, transaction_id, paid_at, amount)
    except DomainError as exc:
        if exc.error not in (OrderError.ILLEGAL_TRANSITION, OrderError.PAID_BY_OTHER_TRANSACTION):
            raise
        if exc.error is OrderError.ILLEGAL_TRANSITION and _revived(payment, base, order_no):
            return Applied(NotificationOutcome.APPLIED, "订单已取消后到账，已重新锁定库存并恢复订单")
        # The order was cancelled meanwhile, or another attempt paid it: this money is surplus.
        late = exc.error is OrderError.ILLEGAL_TRANSITION
        reason = "订单已取消后到账，自动退款" if late else "重复支付，自动退款"
        if late and settings.WECHAT_PAY_LATE_PAYMENT == "reserve":
            reason = "订单已取消后到账，库存不足或无法恢复，自动退款"
        fields = {"status": PaymentStatus.FLAGGED, "flag_reason": reason}
        if late:
            fields["late_payment"] = LatePayment.REFUNDED
        _save(payment, base | fields)
        _refund(payment, amount, reason, completes_order=False, out_refund_no=f"{payment.out_trade_no}_auto")
        return Applied(NotificationOutcome.FLAGGED, reason)
    _save(payment, base | {"status": PaymentStatus.PAID})
    return Applied(NotificationOutcome.APPLIED)


def _revived(payment: Payment, base: dict[str, Any], order_no: str) -> bool:
    """WECHAT_PAY_LATE_PAYMENT=reserve: revive a cancelled order as paid by this payment if its stock can
    be taken again, all lines or none (a savepoint: a refusal leaves nothing behind). The caller holds the
    payment's row lock; the order's is taken inside."""
    if settings.WECHAT_PAY_LATE_PAYMENT != "reserve":
        return False
    try:
        with transaction.atomic():
            order_actions.revive_paid(order_no, base["transaction_id"], base["paid_at"], base["paid_amount"])
            _save(payment, base | {"status": PaymentStatus.PAID, "late_payment": LatePayment.REVIVED})
    except DomainError as exc:
        logger.info("late payment %s not revived: %s", payment.out_trade_no, exc.code)
        return False
    return True


def _save(payment: Payment, fields: dict[str, Any]) -> None:
    Payment.objects.filter(pk=payment.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(payment, name, value)


def record_notification(
    verified: wechatpay.Verified, body: str, *, outcome: str = NotificationOutcome.RECEIVED, detail: str = ""
) -> tuple[int, str, bool]:
    """Store a verified notification raw, exactly once per WeChat `id`; a redelivery counts up. One
    statement either way: INSERT … ON CONFLICT (notify_id) DO UPDATE … RETURNING (PostgreSQL; SQLite has it
    since 3.35). Returns (notification id, outcome so far, whether this was the first delivery): `received`
    means it still has to be applied (`apply_notification`, in the worker). `outcome` other than received
    stores one that needs no applying (an event type the endpoint does not take)."""
    envelope = verified.envelope
    fields = {
        "notify_id": envelope["id"][:64],
        "event_type": str(envelope.get("event_type", ""))[:32],
        "serial": verified.serial[:64],
        "headers": verified.headers,
        "body": body,
        "resource": verified.resource,
        "outcome": outcome,
        "detail": detail[:200],
        "deliveries": 1,
        "received_at": timezone.now(),
    }
    meta = Notification._meta
    quote = connection.ops.quote_name
    columns, values = [], []
    for name, value in fields.items():
        field = meta.get_field(name)
        columns.append(quote(field.column))
        values.append(field.get_db_prep_save(value, connection))
    table = quote(meta.db_table)
    deliveries = quote(meta.get_field("deliveries").column)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({quote('notify_id')}) DO UPDATE SET {deliveries} = {table}.{deliveries} + 1 "
        f"RETURNING id, outcome, {deliveries}"
    )
    # In the request (autocommit) this is its own transaction; within an outer one it joins it (an upsert
    # raises no IntegrityError on the unique key, so no savepoint is needed).
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        pk, current, count = cursor.fetchone()
    return pk, current, count == 1


def settle_notification(notification_id: int, applied: Applied) -> bool:
    """Record what applying it did, once: only a notification still `received` is settled."""
    return bool(
        Notification.objects.filter(pk=notification_id, outcome=NotificationOutcome.RECEIVED).update(
            outcome=applied.outcome, detail=applied.detail[:200]
        )
    )


def apply_notification(notification_id: int) -> Applied | None:
    """Apply one stored notification (the worker's half of the notify): the payment or refund it reports,
    and its outcome, in one transaction, so a crash in the middle leaves it `received` with nothing
    changed and the next pass applies it again. Returns None when there is nothing to do: already settled,
    or being applied by another worker right now (its row is locked: skipped, not waited for).

    Two passes over the same notification (a kick and the sweep, two workers on SQLite where rows cannot be
    skipped) are safe: the payment's (or refund's) row lock orders them, the second finds the work done
    (`duplicate`), and only the first settles the notification (a guarded UPDATE)."""
    config = pay_config()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, outcome=NotificationOutcome.RECEIVED)
            .only("event_type", "resource")
            .first()
        )
        if notification is None:
            return None
        resource = notification.resource or {}
        if notification.event_type.startswith("TRANSACTION."):
            applied = _apply_transaction(resource, config)
        elif notification.event_type.startswith("REFUND."):
            applied = _apply_refund_result(resource, config)
        else:
            applied = Applied(NotificationOutcome.IGNORED, f"意外的事件类型 {notification.event_type[:32]}")
        settle_notification(notification.pk, applied)
    return applied


def kick_apply(notification_id: int) -> None:
    """Have a notification applied now that it is stored (call after its INSERT committed).

    PAYMENT_NOTIFY_APPLY_EAGER (tests): applied here and now, before the answer. Otherwise a worker
    applies it: one `APPLY_TASK` per PAYMENT_NOTIFY_KICK_WINDOW_SECONDS for the whole deployment (a shared
    cache key per window), due at the window's end so it sees every notification stored in the window; a
    burst of 400 costs a few worker passes, not 400 tasks. A lost kick (broker down, worker killed) only
    delays it: the sweep applies whatever stayed `received` longer than PAYMENT_NOTIFY_SWEEP_SECONDS."""
    if settings.PAYMENT_NOTIFY_APPLY_EAGER:
        apply_notification(notification_id)
        return
    window = settings.PAYMENT_NOTIFY_KICK_WINDOW_SECONDS
    route = apply_route()
    try:
        signature = celery_app.signature(APPLY_TASK)
        if window <= 0:
            signature.apply_async(expires=settings.PAYMENT_NOTIFY_SWEEP_SECONDS, **route)
            return
        slot = math.floor(time.time() / window) + 1
        if not cache.add(f"wxmall:payments:apply-kick:{slot}", 1, timeout=max(60, int(window * 10))):
            return
        eta = datetime.fromtimestamp(slot * window, UTC)
        # A kick no worker took up in time is superseded by the sweep.
        expires = datetime.fromtimestamp(slot * window + settings.PAYMENT_NOTIFY_SWEEP_SECONDS, UTC)
        signature.apply_async(eta=eta, expires=expires, **route)
    except Exception:  # the notification is stored: the sweep applies it, WeChat still gets its 2xx
        logger.exception("could not kick the notification worker; the sweep will apply %s", notification_id)


def apply_route() -> dict[str, str]:
    """Where the apply tasks go (PAYMENT_NOTIFY_QUEUE, else Celery's default queue)."""
    return {"queue": settings.PAYMENT_NOTIFY_QUEUE} if settings.PAYMENT_NOTIFY_QUEUE else {}


def apply_received(*, older_than: float = 0.0, limit: int = 1000) -> int:
    """One worker pass: apply the notifications still `received` (stored at least `older_than` seconds
    ago), oldest first, each in its own transaction; returns how many this pass applied. Rows another
    worker is applying are skipped (PostgreSQL), and one that fails stays `received` for the next pass
    without stopping this one."""
    cutoff = timezone.now() - timedelta(seconds=older_than)
    applied, after = 0, 0
    while applied < limit:
        ids = list(
            Notification.objects.filter(
                outcome=NotificationOutcome.RECEIVED, received_at__lte=cutoff, pk__gt=after
            )
            .order_by("pk")
            .values_list("pk", flat=True)[: min(100, limit - applied)]
        )
        if not ids:
            break
        for notification_id in ids:
            try:
                if apply_notification(notification_id) is not None:
                    applied += 1
            except Exception:
                logger.exception("applying notification %s failed; it stays received", notification_id)
        after = ids[-1]
    return applied


def query_payment(payment_id: int) -> Applied:
    """Ask WeChat about one attempt and apply the answer (the active query job and "我已支付")."""
    config = pay_config()
    payment = Payment.objects.get(pk=payment_id)
    status, body = wechatpay.query(config, payment.out_trade_no)
    Payment.objects.filter(pk=payment.pk).update(last_queried_at=timezone.now())
    if status == 200:
        state = body.get("trade_state")
        if state in ("SUCCESS", "REFUND"):
            return apply_transaction(body, config)
        if state in ("CLOSED", "REVOKED", "PAYERROR"):
            Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
                status=PaymentStatus.CLOSED
            )
        return Applied(NotificationOutcome.IGNORED, str(state))
    if status == 404 and payment.created_at < timezone.now() - timedelta(minutes=5):
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.CLOSED
        )
    return Applied(NotificationOutcome.IGNORED, f"HTTP {status}")


def close_then_cancel(order_id: int) -> str:
    """An unpaid order past its deadline: close its pending attempts on WeChat first (synchronously), and
    only then cancel ours, so a payment made in the last moment is found instead of refunded. A close that
    WeChat refuses because the attempt was paid applies the payment. Returns what happened."""
    config = pay_config()
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != OrderStatus.PENDING_PAYMENT or order.expires_at > timezone.now():
        return "skipped"
    for payment in Payment.objects.filter(order_id=order_id, status=PaymentStatus.PENDING):
        try:
            wechatpay.close(config, payment.out_trade_no)
        except wechatpay.GatewayError as exc:
            if exc.status == 404:
                pass  # WeChat never had it
            elif exc.status == 400 and exc.code in ("ORDERPAID", "ORDER_PAID", "TRADE_ERROR"):
                status, body = wechatpay.query(config, payment.out_trade_no)
                if status == 200:
                    apply_transaction(body, config)
                    return "paid"
                return "unknown"
            else:
                return "unknown"  # unreachable: try again next run (the order stays pending)
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.CLOSED
        )
    return "cancelled" if order_actions.cancel_expired(order_id) else "skipped"


# --- refunds --------------------------------------------------------------------------------------------
def _refunded_total(payment: Payment) -> int:
    return (
        Refund.objects.filter(payment=payment)
        .exclude(status=RefundStatus.CLOSED)
        .aggregate(total=Sum("amount"))["total"]
        or 0
    )


def _refund(
    payment: Payment, amount: int, reason: str, *, completes_order: bool, out_refund_no: str
) -> Refund:
    """A refund row plus its outbox submission; the caller holds the payment's row lock."""
    if amount < 1:
        raise DomainError(PaymentError.REFUND_INVALID_AMOUNT)
    if _refunded_total(payment) + amount > (payment.paid_amount or 0):
        raise DomainError(PaymentError.REFUND_TOO_MUCH)
    refund, created = Refund.objects.get_or_create(
        out_refund_no=out_refund_no,
        defaults={
            "payment": payment,
            "order_id": payment.order_id,
            "amount": amount,
            "reason": reason[:80],
            "completes_order": completes_order,
        },
    )
    if created:
        enqueue(
            DESTINATION,
            SUBMIT_REFUND,
            {"out_refund_no": out_refund_no},
            key=f"{DESTINATION}:refund:{out_refund_no}",
        )
    return refund


def refund_order(order_id: int, amount: int | None, reason: str, *, staff=None) -> Refund:
    """Refund (part of) a paid order. A full refund of what remains completes the order's refund (the order
    moves to `refunded` when WeChat confirms). Staff may refund any paid order; a customer's request goes
    through `orders.actions.request_refund` first and staff approve it here."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        payment = Payment.objects.select_for_update().filter(order=order, status=PaymentStatus.PAID).first()
        if payment is None or order.status not in (
            OrderStatus.PAID,
            OrderStatus.SHIPPED,
            OrderStatus.DELIVERED,
            OrderStatus.REFUND_REQUESTED,
        ):
            raise DomainError(PaymentError.REFUND_NOT_ALLOWED)
        remaining = (payment.paid_amount or 0) - _refunded_total(payment)
        amount = remaining if amount is None else amount
        completes = amount == remaining
        if completes and order.status != OrderStatus.REFUND_REQUESTED:
            order_actions.transition(
                order.pk,
                OrderStatus.REFUND_REQUESTED,
                actor=staff,
                actor_kind=ActorKind.STAFF,
                reason=reason or "商家退款",
            )
        number = Refund.objects.filter(order=order).count() + 1
        return _refund(
            payment,
            amount,
            reason,
            completes_order=completes,
            out_refund_no=f"{payment.out_trade_no}_R{number}",
        )


def apply_refund_result(resource: dict[str, Any], config: PayConfig | None = None) -> Applied:
    """A refund's outcome (REFUND.* notification or query). SUCCESS of a refund that completes the order
    moves the order to `refunded` (stock comes back where the goods never left, per the state machine)."""
    with transaction.atomic():
        return _apply_refund_result(resource, config or pay_config())


def _apply_refund_result(resource: dict[str, Any], config: PayConfig) -> Applied:
    """`apply_refund_result` in the caller's transaction."""
    if resource.get("mchid", config.mchid) != config.mchid:
        return Applied(NotificationOutcome.FLAGGED, "商户号不符")
    status = str(resource.get("refund_status") or resource.get("status") or "").upper()
    new = {
        "SUCCESS": RefundStatus.SUCCESS,
        "CLOSED": RefundStatus.CLOSED,
        "ABNORMAL": RefundStatus.ABNORMAL,
        "PROCESSING": RefundStatus.PROCESSING,
    }.get(status)
    if new is None:
        return Applied(NotificationOutcome.FLAGGED, "未知退款状态")
    refund = (
        Refund.objects.select_for_update()
        .filter(out_refund_no=str(resource.get("out_refund_no", "")))
        .select_related("order")
        .first()
    )
    if refund is None:
        return Applied(NotificationOutcome.FLAGGED, "未知的退款单号")
    if refund.status in (RefundStatus.SUCCESS, RefundStatus.CLOSED):
        return Applied(NotificationOutcome.DUPLICATE)
    if refund.status == new:
        return Applied(NotificationOutcome.DUPLICATE)
    fields: dict[str, Any] = {"status": new, "refund_id": str(resource.get("refund_id", ""))[:64]}
    if new == RefundStatus.SUCCESS:
        fields["succeeded_at"] = _parse_time(resource.get("success_time"))
    Refund.objects.filter(pk=refund.pk).update(**fields)
    if new == RefundStatus.SUCCESS and not refund.completes_order:
        # A partial refund gives back the spent points in proportion (the full one does it through
        # the order's move to `refunded`); one points entry per refund, so a replay returns nothing.
        refunded = (
            Refund.objects.filter(order_id=refund.order_id, status=RefundStatus.SUCCESS).aggregate(
                total=Sum("amount")
            )["total"]
            or 0
        )
        points.return_for_refund(refund.order, ref=refund.out_refund_no, refunded=refunded, completes=False)
    if new == RefundStatus.SUCCESS and refund.completes_order:
        order = refund.order
        if order.status == OrderStatus.REFUND_REQUESTED:
            order_actions.transition(
                order.pk,
                OrderStatus.REFUNDED,
                actor_kind=ActorKind.WECHAT,
                reason=f"微信退款成功 {refund.out_refund_no}",
            )
    if new == RefundStatus.SUCCESS:  # after the order's own move: a full refund's order is `refunded`
        succeeded = Refund.objects.filter(order_id=refund.order_id, status=RefundStatus.SUCCESS)
        events.refund_succeeded.send(
            sender=Refund,
            refund=refund,
            refunded_total=succeeded.aggregate(total=Sum("amount"))["total"] or 0,
            paid_total=refund.payment.paid_amount or refund.payment.amount,
        )
    return Applied(NotificationOutcome.APPLIED)


def query_refund(refund_id: int) -> Applied:
    """Ask WeChat about one refund still in flight and apply the answer (the stuck-refund job; staff's
    重新查询). A refund WeChat does not know although it accepted it is recorded for staff, not changed."""
    config = pay_config()
    refund = Refund.objects.get(pk=refund_id)
    status, body = wechatpay.query_refund(config, refund.out_refund_no)
    Refund.objects.filter(pk=refund.pk).update(last_queried_at=timezone.now())
    if status == 200:
        return apply_refund_result(body | {"mchid": config.mchid})
    Refund.objects.filter(pk=refund.pk).update(last_error=f"查询 {status} {body.get('code', '')}"[:200])
    return Applied(NotificationOutcome.IGNORED, f"HTTP {status}")


def resolve_flag(model: type[Payment] | type[Refund], pk: int, note: str, staff) -> bool:
    """Staff acknowledge a flagged payment or refund with a note; recorded once (who, when, why)."""
    note = note.strip()[:500]
    if not note:
        return False
    return bool(
        model.objects.filter(pk=pk, resolved_at__isnull=True).update(
            resolved_by=staff, resolved_at=timezone.now(), resolution_note=note
        )
    )


# --- offline payments -------------------------------------------------------------------------------------
OFFLINE_PERMISSION = "payments.mark_paid_offline"


def may_mark_paid_offline(user) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(OFFLINE_PERMISSION))


def mark_paid_offline(order_id: int, staff, *, reference: str, reason: str) -> OfflinePayment:
    """线下收款: record that an unpaid order was paid outside WeChat Pay, with what staff saw (a transfer's
    reference, a receipt number) and why. Refused without the permission, and while a WeChat payment for
    the order is pending (the customer may be paying right now: wait for it or for the order to time out)."""
    if not may_mark_paid_offline(staff):
        raise DomainError(PaymentError.OFFLINE_NOT_PERMITTED)
    reference, reason = (reference or "").strip(), (reason or "").strip()
    if not (1 <= len(reference) <= 64 and 1 <= len(reason) <= 100):
        raise DomainError(PaymentError.OFFLINE_INVALID)
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise DomainError(OrderError.NOT_FOUND)
        if Payment.objects.filter(
            order=order, status__in=(PaymentStatus.PENDING, PaymentStatus.PAID)
        ).exists():
            raise DomainError(PaymentError.OFFLINE_IN_FLIGHT)
        order_actions.mark_paid_offline(order.pk, staff, reason=f"线下收款：{reason}（凭证 {reference}）")
        record = OfflinePayment.objects.create(
            order=order, amount=order.total, reference=reference, reason=reason, recorded_by=staff
        )
        audit.record(
            staff,
            "order.mark_paid_offline",
            order,
            f"登记线下收款 {format_yuan(order.total)}：{reason}（凭证 {reference}）",
            {"amount": order.total, "reference": reference},
        )
        return record
