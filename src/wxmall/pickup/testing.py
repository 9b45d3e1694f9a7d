"""Factories for tests (and other apps' tests)."""

from __future__ import annotations

from itertools import count

from django.utils import timezone

from .models import PickupStore

_numbers = count(1)


def make_store(**fields) -> PickupStore:
    n = next(_numbers)
    values = {
        "name": f"测试门店{n}",
        "address": f"广东省深圳市南山区测试路 {n} 号",
        "hours": "每天 10:00–22:00",
        "phone": "0755-80000000",
        "active": True,
    } | fields
    return PickupStore.objects.create(**values)


def mark_paid(order, transaction_id: str | None = None):
    """Mark `order` paid the way WeChat Pay's notification does (`orders.actions.mark_paid`)."""
    from wxmall.orders.actions import mark_paid as orders_mark_paid

    return orders_mark_paid(
        order.order_no, transaction_id or f"42000{order.pk:020d}", timezone.now(), order.total
    )
