"""Read side of payments."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from .models import Notification, Payment, PaymentStatus, Refund, RefundStatus


def payments_of(order) -> QuerySet[Payment]:
    return Payment.objects.filter(order=order).order_by("-created_at", "-id")


def current_attempt(order, method: str | None = None) -> Payment | None:
    qs = payments_of(order).filter(status=PaymentStatus.PENDING)
    if method:
        qs = qs.filter(method=method)
    return qs.first()


def paid_payment(order) -> Payment | None:
    return payments_of(order).filter(status=PaymentStatus.PAID).first()


def refunds_of(order) -> QuerySet[Refund]:
    return Refund.objects.filter(order=order).order_by("created_at", "id")


def refund_totals(order_ids) -> dict[int, dict[str, int]]:
    """Per order id: fen refunded ("refunded", WeChat confirmed) and still under way ("pending"), in one
    query, for a list of orders. Orders without refunds are absent."""
    in_progress = (RefundStatus.REQUESTED, RefundStatus.PROCESSING)
    totals: dict[int, dict[str, int]] = {}
    rows = (
        Refund.objects.filter(order_id__in=list(order_ids), status__in=(RefundStatus.SUCCESS, *in_progress))
        .values_list("order_id", "status")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for order_id, status, total in rows:
        entry = totals.setdefault(order_id, {"refunded": 0, "pending": 0})
        entry["refunded" if status == RefundStatus.SUCCESS else "pending"] += total
    return totals


def refunded_amount(order) -> int:
    return (
        Refund.objects.filter(order=order, status=RefundStatus.SUCCESS).aggregate(t=Sum("amount"))["t"] or 0
    )


def flagged_payments(*, resolved: bool = False) -> QuerySet[Payment]:
    """Payments staff must look at: amount mismatches, double payments (both FLAGGED) and payments that
    landed on a cancelled order (refunded or revived), open ones unless `resolved`."""
    rows = Payment.objects.filter(Q(status=PaymentStatus.FLAGGED) | ~Q(late_payment=""))
    return rows.filter(resolved_at__isnull=not resolved).select_related("order", "resolved_by")


def flagged_refunds(*, resolved: bool = False) -> QuerySet[Refund]:
    """ABNORMAL refunds (money could not reach the payer; staff act on WeChat's side)."""
    rows = Refund.objects.filter(status=RefundStatus.ABNORMAL, resolved_at__isnull=not resolved)
    return rows.select_related("order", "payment", "resolved_by")


def payments_list(
    *, status: str = "", method: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[Payment]:
    """Attempts, newest first, filtered by state, method and creation day (inclusive, local time)."""
    rows = Payment.objects.select_related("order")
    if status:
        rows = rows.filter(status=status)
    if method:
        rows = rows.filter(method=method)
    tz = timezone.get_current_timezone()
    if since:
        rows = rows.filter(created_at__gte=datetime.combine(since, time.min, tz))
    if until:
        rows = rows.filter(created_at__lt=datetime.combine(until + timedelta(days=1), time.min, tz))
    return rows.order_by("-created_at", "-id")


def notifications_of(payment: Payment) -> QuerySet[Notification]:
    """The inbox rows about one attempt: its TRANSACTION.* and its refunds' REFUND.* notifications."""
    return Notification.objects.filter(resource__out_trade_no=payment.out_trade_no).order_by(
        "received_at", "id"
    )


def refundable(payment: Payment) -> int:
    """What may still be refunded of a paid attempt (refunds not closed count as taken), in fen."""
    if payment.status != PaymentStatus.PAID:
        return 0
    taken = (
        Refund.objects.filter(payment=payment)
        .exclude(status=RefundStatus.CLOSED)
        .aggregate(t=Sum("amount"))["t"]
        or 0
    )
    return max(0, (payment.paid_amount or 0) - taken)
