"""Read side of payments."""

from __future__ import annotations

from django.db.models import QuerySet, Sum

from .models import Payment, PaymentStatus, Refund, RefundStatus


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


def flagged() -> QuerySet[Payment]:
    """Payments staff must look at (amount mismatch, late or double payments)."""
    return Payment.objects.filter(status=PaymentStatus.FLAGGED).select_related("order")
