"""Order state changes. Every change goes through `transition` (or `mark_paid`, which ends in it): the
order row is locked with select_for_update, the move is checked against `orders.state.TRANSITIONS`,
the status is written with a guarded UPDATE (`WHERE status = <from>`), the timestamp set, the hooks
other apps registered for the move run (`orders.hooks`: checkout gives back stock and promotions on
cancel and on a refund before shipping; this app counts sales on payment), and an `OrderEvent` + outbox
message is written — all in one transaction."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wxmall.catalog.models import Product
from wxmall.core.errors import DomainError

from . import events, hooks, state
from .errors import OrderError
from .models import Order
from .state import ActorKind, OrderStatus


def transition(order_id: int, to: str, *, actor=None, actor_kind: str, reason: str = "") -> Order:
    """Move an order to status `to`. Raises DomainError: not_found (404), illegal_transition (409) when
    the state machine has no such move from the current status, transition_not_permitted (403) when
    this kind of actor may not make it (e.g. a customer shipping an order)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise DomainError(OrderError.NOT_FOUND)
        return _apply(order, to, actor=actor, actor_kind=actor_kind, reason=reason)


def _apply(
    order: Order,
    to: str,
    *,
    actor,
    actor_kind: str,
    reason: str,
    at: datetime | None = None,
    revival: bool = False,
) -> Order:
    """Apply a move to an order whose row the caller has locked in the current transaction. `revival` is
    the one move outside the state machine (cancelled → paid, see `revive_paid`)."""
    from_status = order.status
    revival = revival and (from_status, to) == (OrderStatus.CANCELLED, OrderStatus.PAID)
    if not revival and (
        to not in OrderStatus.values or not state.exists(from_status, to, order.refund_from_status)
    ):
        raise DomainError(
            OrderError.ILLEGAL_TRANSITION,
            f"订单当前为「{OrderStatus(from_status).label}」，不能执行此操作",
            from_status=from_status,
            to_status=to,
        )
    if not revival and (
        actor_kind not in ActorKind.values or not state.actor_may(from_status, to, actor_kind)
    ):
        raise DomainError(OrderError.TRANSITION_NOT_PERMITTED)

    changes = {"status": to, state.TIMESTAMP_FIELD[to]: at or timezone.now()}
    if to == OrderStatus.REFUND_REQUESTED:
        changes["refund_from_status"] = from_status
    elif from_status == OrderStatus.REFUND_REQUESTED and to != OrderStatus.REFUNDED:
        changes["refund_from_status"] = ""  # rejected: back where it was, request forgotten
    if to == OrderStatus.PAID:
        changes["payment_transaction_id"] = order.payment_transaction_id
    # Guarded even under the row lock: SQLite has no FOR UPDATE, and the guard costs nothing.
    if not Order.objects.filter(pk=order.pk, status=from_status).update(**changes):
        raise DomainError(OrderError.ILLEGAL_TRANSITION)
    for name, value in changes.items():
        setattr(order, name, value)

    hooks.registry.run(order, from_status, to)
    events.record(order, from_status, to, actor=actor, actor_kind=actor_kind, reason=reason)
    return order


def count_sales(order: Order, from_status: str, to_status: str) -> None:
    """Hook on `paid` (registered in OrdersConfig.ready): each product's sales count grows by the units
    paid for, products in ascending id order."""
    for product_id, quantity in order.lines.order_by("sku__product_id").values_list(
        "sku__product_id", "quantity"
    ):
        Product.objects.filter(pk=product_id).update(sales_count=F("sales_count") + quantity)


def mark_paid(order_no: str, transaction_id: str, paid_at: datetime, amount: int) -> Order:
    """Record WeChat Pay's success for an order. Idempotent: a second call for the same order and
    transaction (WeChat notifies more than once, and the query job may race the notify) returns the order
    unchanged. Refuses an amount that differs from `order.total` (amount_mismatch), a different transaction
    for an order already paid (paid_by_other_transaction), and a payment for an order that is no longer
    pending, e.g. cancelled by the timeout a moment earlier (illegal_transition: the payments side must
    then refund). Payment and auto-cancel lock the same row, so exactly one of them wins."""
    if not transaction_id:
        raise ValueError("transaction_id is required")
    with transaction.atomic():
        order = _locked(order_no)
        if order.payment_transaction_id:
            if order.payment_transaction_id == transaction_id:
                return order
            raise DomainError(OrderError.PAID_BY_OTHER_TRANSACTION)
        return _paid(order, transaction_id, paid_at, amount, reason=f"微信支付成功 {transaction_id}")


def _locked(order_no: str) -> Order:
    order = Order.objects.select_for_update().filter(order_no=order_no).first()
    if order is None:
        raise DomainError(OrderError.NOT_FOUND)
    return order


def revive_paid(order_no: str, transaction_id: str, paid_at: datetime, amount: int) -> Order:
    """A payment that landed after the order was cancelled, kept instead of refunded (payments'
    WECHAT_PAY_LATE_PAYMENT=reserve): cancelled → paid, the one move back out of a final status, made only
    here. The `paid` hooks run with from_status `cancelled`; checkout's takes the stock again, all lines
    or none, and refuses the move (DomainError, nothing changes) when a line is short or the order used a
    coupon or flash sale. Refuses an order that is not cancelled, was ever paid, or differs in amount."""
    if not transaction_id:
        raise ValueError("transaction_id is required")
    with transaction.atomic():
        order = _locked(order_no)
        if order.status != OrderStatus.CANCELLED or order.payment_transaction_id:
            raise DomainError(OrderError.ILLEGAL_TRANSITION)
        return _paid(
            order,
            transaction_id,
            paid_at,
            amount,
            reason=f"取消后到账，库存重新锁定，订单恢复为已支付 {transaction_id}",
            revival=True,
        )


def mark_paid_offline(order_id: int, staff, *, reason: str) -> Order:
    """线下收款: staff record a payment received outside WeChat Pay (transfer, cash at the counter) for an
    unpaid order, through the same paid path and hooks as a WeChat payment. The order's transaction id
    becomes `OFFLINE-<order_no>`, so a WeChat payment that still lands later is a second payment for a paid
    order (refused here, refunded by payments). Called by `payments.actions.mark_paid_offline`, which
    checks the permission and that no WeChat payment is in flight."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise DomainError(OrderError.NOT_FOUND)
        if order.status != OrderStatus.PENDING_PAYMENT or order.payment_transaction_id:
            raise DomainError(
                OrderError.ILLEGAL_TRANSITION,
                f"订单当前为「{OrderStatus(order.status).label}」，不能标记线下收款",
            )
        order.payment_transaction_id = f"OFFLINE-{order.order_no}"[:64]
        return _apply(order, OrderStatus.PAID, actor=staff, actor_kind=ActorKind.STAFF, reason=reason[:200])


def _paid(order: Order, transaction_id: str, paid_at: datetime, amount: int, *, reason: str, revival=False):
    """Record the payment on the locked `order` and move it to paid, refusing a different amount."""
    if amount != order.total:
        raise DomainError(OrderError.AMOUNT_MISMATCH, expected=order.total, received=amount)
    order.payment_transaction_id = transaction_id
    return _apply(
        order,
        OrderStatus.PAID,
        actor=None,
        actor_kind=ActorKind.WECHAT,
        reason=reason,
        at=paid_at,
        revival=revival,
    )


def cancel_expired(order_id: int, now: datetime | None = None) -> bool:
    """Cancel one unpaid order past its payment deadline. Returns False (doing nothing) when it has been
    paid or cancelled meanwhile: the status is re-read under the row lock, so a payment committed first
    wins, and a payment arriving after this commits finds the order cancelled."""
    now = now or timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.status != OrderStatus.PENDING_PAYMENT or order.expires_at > now:
            return False
        _apply(
            order,
            OrderStatus.CANCELLED,
            actor=None,
            actor_kind=ActorKind.SYSTEM,
            reason="超时未支付，系统自动取消",
        )
        return True


# --- what a customer may do to their own order ----------------------------------------------------------
def _own_order_id(user, order_no: str) -> int:
    order_id = Order.objects.filter(user=user, order_no=order_no).values_list("pk", flat=True).first()
    if order_id is None:
        raise DomainError(OrderError.NOT_FOUND)
    return order_id


def cancel_by_customer(user, order_no: str, reason: str = "") -> Order:
    """The customer cancels their own unpaid order. Another customer's order number → not_found."""
    return transition(
        _own_order_id(user, order_no),
        OrderStatus.CANCELLED,
        actor=user,
        actor_kind=ActorKind.CUSTOMER,
        reason=(reason or "顾客取消")[:200],
    )


def confirm_received(user, order_no: str) -> Order:
    """The customer confirms they received a shipped order."""
    return transition(
        _own_order_id(user, order_no),
        OrderStatus.DELIVERED,
        actor=user,
        actor_kind=ActorKind.CUSTOMER,
        reason="顾客确认收货",
    )


def request_refund(user, order_no: str, reason: str = "") -> Order:
    return transition(
        _own_order_id(user, order_no),
        OrderStatus.REFUND_REQUESTED,
        actor=user,
        actor_kind=ActorKind.CUSTOMER,
        reason=(reason or "顾客申请退款")[:200],
    )


# --- staff --------------------------------------------------------------------------------------------
def ship(order_id: int, staff, reason: str = "商家发货") -> Order:
    return transition(order_id, OrderStatus.SHIPPED, actor=staff, actor_kind=ActorKind.STAFF, reason=reason)


def deliver(order_id: int, staff, reason: str = "商家确认签收") -> Order:
    return transition(order_id, OrderStatus.DELIVERED, actor=staff, actor_kind=ActorKind.STAFF, reason=reason)


def complete(order_id: int, staff, reason: str = "订单完成") -> Order:
    return transition(order_id, OrderStatus.COMPLETED, actor=staff, actor_kind=ActorKind.STAFF, reason=reason)


def cancel_by_staff(order_id: int, staff, reason: str = "商家取消") -> Order:
    return transition(order_id, OrderStatus.CANCELLED, actor=staff, actor_kind=ActorKind.STAFF, reason=reason)
