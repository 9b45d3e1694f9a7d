"""Periodic order jobs (beat entries added in OrdersConfig.ready)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

BATCH = 500


@shared_task(name="wxmall.orders.cancel_expired_orders", ignore_result=True)
def cancel_expired_orders() -> int:
    """Cancel unpaid orders past their payment deadline, releasing stock, flash-sale units and coupon
    uses. Each order in its own short transaction (see `actions.cancel_expired`), so one bad row or a
    racing payment affects only itself. Returns how many were cancelled."""
    from .actions import cancel_expired
    from .models import Order
    from .state import OrderStatus

    now = timezone.now()
    cancelled = 0
    while True:
        ids = list(
            Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, expires_at__lte=now)
            .order_by("expires_at", "id")
            .values_list("pk", flat=True)[:BATCH]
        )
        cancelled += sum(cancel_expired(order_id, now) for order_id in ids)
        if len(ids) < BATCH:
            return cancelled
