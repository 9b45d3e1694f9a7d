"""Server-side events from orders: placed (the order's INSERT; placement runs no transition hook) and
paid (the transition hook). Both are spooled only when the order's transaction commits."""

from __future__ import annotations

from .actions import order_event
from .models import EventType


def on_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        order_event(EventType.ORDER_PLACED, instance, amount=instance.total)


def on_paid(order, from_status: str, to_status: str) -> None:
    order_event(EventType.ORDER_PAID, order, amount=order.total)
