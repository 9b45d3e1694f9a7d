"""After-sales state changes, one transaction each.

    requested ──approve (refund)──────────────────────────────► refunding
        │      ──approve (return)──► awaiting_return ──customer ships──► return_shipped ──receive──► refunding
        └──reject──► rejected          (staff may also reject a return that never came back)

Every decision is a guarded UPDATE from the status it expects (`WHERE status = …`), so two staff clicking
同意 at once approve once and refund once; the loser is told it was already decided. Filing a request
moves the order to 退款中 through `orders.actions.request_refund`; a rejection moves it back through the
state machine; the money goes out through `payments.actions.refund_order` (a partial amount leaves the
order where it was before the request, a full one ends it as 已退款 when WeChat confirms). A refund or
rejection made elsewhere (the payments console, the admin) closes the open request through the order
hooks in `order_hooks`."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from wxmall.audit import actions as audit
from wxmall.core.errors import DomainError
from wxmall.core.money import format_yuan
from wxmall.fulfilment import queries as fulfilment_queries
from wxmall.fulfilment.actions import TRACKING
from wxmall.orders import actions as order_actions
from wxmall.orders.errors import OrderError
from wxmall.orders.models import Order
from wxmall.orders.state import ActorKind, OrderStatus
from wxmall.payments import actions as payment_actions
from wxmall.payments import queries as payment_queries
from wxmall.payments.models import Payment, PaymentStatus

from . import photos as photo_checks
from .errors import AfterSaleError
from .models import OPEN, AfterSale, Kind, Photo, Reason, Status

PERMISSION = "aftersales.decide_aftersale"
REQUESTABLE = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
NOTE_MAX = 200
AUDIT_ACTIONS = {
    Status.AWAITING_RETURN: "approve",
    Status.REFUNDING: "refund",
    Status.REJECTED: "reject",
}


def may_decide(user) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(PERMISSION))


def _payment(order_id: int) -> Payment | None:
    return Payment.objects.filter(order_id=order_id, status=PaymentStatus.PAID).first()


def request(
    user,
    order_no: str,
    *,
    kind: str,
    reason: str,
    description: str = "",
    amount: int | None = None,
    uploads=(),
) -> AfterSale:
    """The customer files a request for their own paid order. `amount` in fen (None: all that can still be
    refunded). Photos are checked before anything is written; any refusal writes nothing."""
    description = (description or "").strip()
    if kind not in Kind.values or reason not in Reason.values or len(description) > NOTE_MAX:
        raise DomainError(AfterSaleError.INVALID_REQUEST)
    cleaned = photo_checks.clean(list(uploads))
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(user=user, order_no=order_no).first()
        if order is None:
            raise DomainError(OrderError.NOT_FOUND)
        if order.status not in REQUESTABLE:
            raise DomainError(AfterSaleError.NOT_ALLOWED)
        if kind == Kind.RETURN and order.status == OrderStatus.PAID:
            raise DomainError(AfterSaleError.RETURN_NOT_SHIPPED)
        payment = _payment(order.pk)
        refundable = payment_queries.refundable(payment) if payment else 0
        if not refundable:
            raise DomainError(AfterSaleError.NOT_REFUNDABLE)
        amount = refundable if amount is None else amount
        if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= refundable:
            raise DomainError(
                AfterSaleError.INVALID_AMOUNT, f"退款金额须大于 0 且不超过可退金额 {format_yuan(refundable)}"
            )
        try:
            with transaction.atomic():
                sale = AfterSale.objects.create(
                    order=order, user=user, kind=kind, reason=reason, description=description, amount=amount
                )
        except IntegrityError as exc:
            raise DomainError(AfterSaleError.ALREADY_OPEN) from exc
        order_actions.request_refund(user, order_no, reason=f"申请{Kind(kind).label}：{Reason(reason).label}")
        # Files last: once everything that can refuse has passed, so a refusal leaves no file behind.
        for photo in cleaned:
            Photo.objects.create(aftersale=sale, file=photo.content, width=photo.width, height=photo.height)
    return sale


def _decide(sale_id: int, staff, *, expect: tuple[str, ...], to: Status, note: str, **fields) -> AfterSale:
    """The guarded move of one request from one of the `expect` statuses; inside the caller's transaction."""
    if not may_decide(staff):
        raise DomainError(AfterSaleError.NOT_PERMITTED)
    sale = AfterSale.objects.select_for_update().filter(pk=sale_id).first()
    if sale is None:
        raise DomainError(AfterSaleError.NOT_FOUND)
    before = sale.status
    moved = AfterSale.objects.filter(pk=sale.pk, status__in=expect).update(
        status=to, decided_by=staff, decided_at=timezone.now(), decision_note=note[:NOTE_MAX], **fields
    )
    if not moved:
        raise DomainError(AfterSaleError.ALREADY_DECIDED)
    sale.refresh_from_db()
    audit.record(
        staff,
        f"aftersale.{AUDIT_ACTIONS[to]}",
        sale.order,
        f"售后{sale.get_kind_display()}：{Status(to).label}" + (f"（{note}）" if note else ""),
        {"aftersale": sale.pk, "amount": sale.amount, "from": before, "to": to},
    )
    return sale


def _note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX or (required and not note):
        raise DomainError(AfterSaleError.REASON_REQUIRED)
    return note


def approve(sale_id: int, staff, note: str = "") -> AfterSale:
    """同意. A refund-only request is refunded now; a return waits for the goods to come back."""
    note = _note(note, required=False)
    with transaction.atomic():
        kind = AfterSale.objects.filter(pk=sale_id).values_list("kind", flat=True).first()  # never changes
        if kind == Kind.RETURN:
            return _decide(sale_id, staff, expect=(Status.REQUESTED,), to=Status.AWAITING_RETURN, note=note)
        sale = _decide(sale_id, staff, expect=(Status.REQUESTED,), to=Status.REFUNDING, note=note)
        return _refund(sale, staff, note or "商家同意退款")


def receive_return(sale_id: int, staff, note: str = "") -> AfterSale:
    """确认收到退货 and refund. Also accepted before the customer entered a tracking number (handed over)."""
    note = _note(note, required=False)
    with transaction.atomic():
        sale = _decide(
            sale_id,
            staff,
            expect=(Status.AWAITING_RETURN, Status.RETURN_SHIPPED),
            to=Status.REFUNDING,
            note=note,
            received_at=timezone.now(),
        )
        return _refund(sale, staff, note or "商家已收到退货")


def _refund(sale: AfterSale, staff, reason: str) -> AfterSale:
    """Send the money back for an approved request (the request row is locked by `_decide`). A partial
    amount does not end the order: it goes back where it was before the request."""
    order = Order.objects.get(pk=sale.order_id)
    if order.status != OrderStatus.REFUND_REQUESTED:
        raise DomainError(AfterSaleError.NOT_ALLOWED, "订单已不在退款中，不能再退款")
    refund = payment_actions.refund_order(sale.order_id, sale.amount, f"售后退款：{reason}"[:80], staff=staff)
    AfterSale.objects.filter(pk=sale.pk).update(refund=refund)
    sale.refund = refund
    if not refund.completes_order:
        order_actions.transition(
            sale.order_id,
            order.refund_from_status,
            actor=staff,
            actor_kind=ActorKind.STAFF,
            reason=f"部分退款 {format_yuan(sale.amount)}，订单恢复",
        )
    return sale


def reject(sale_id: int, staff, note: str) -> AfterSale:
    """拒绝 with a reason the customer sees; the order goes back to where it was."""
    note = _note(note, required=True)
    with transaction.atomic():
        sale = _decide(sale_id, staff, expect=OPEN, to=Status.REJECTED, note=note)
        order = Order.objects.get(pk=sale.order_id)
        if order.status == OrderStatus.REFUND_REQUESTED:
            order_actions.transition(
                order.pk,
                order.refund_from_status,
                actor=staff,
                actor_kind=ActorKind.STAFF,
                reason=f"售后申请被拒绝：{note}"[:200],
            )
    return sale


def ship_return(user, sale_id: int, *, courier_code: str, tracking_no: str) -> AfterSale:
    """The customer enters the courier and tracking number of the goods they sent back."""
    name = fulfilment_queries.courier_name(courier_code)
    tracking_no = (tracking_no or "").strip()
    if name is None or not TRACKING.fullmatch(tracking_no):
        raise DomainError(AfterSaleError.INVALID_RETURN)
    with transaction.atomic():
        moved = AfterSale.objects.filter(pk=sale_id, user=user, status=Status.AWAITING_RETURN).update(
            status=Status.RETURN_SHIPPED, return_courier=name, return_tracking_no=tracking_no
        )
        if not moved:
            if not AfterSale.objects.filter(pk=sale_id, user=user).exists():
                raise DomainError(AfterSaleError.NOT_FOUND)
            raise DomainError(AfterSaleError.ALREADY_DECIDED)
    return AfterSale.objects.get(pk=sale_id)
