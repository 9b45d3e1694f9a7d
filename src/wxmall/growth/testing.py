"""Factories for growth tests."""

from __future__ import annotations

from django.utils import timezone

from wxmall.orders.actions import mark_paid
from wxmall.payments.models import Payment, PaymentStatus, PayMethod


def pay(order):
    """Record `order` paid the way a verified WeChat Pay notification does: the paid Payment row that a
    refund is made against, then `orders.actions.mark_paid`. Paying again repeats the notification (a no-op)."""
    transaction_id = f"42000{order.pk:020d}"
    Payment.objects.get_or_create(
        order=order,
        defaults=dict(
            method=PayMethod.NATIVE,
            status=PaymentStatus.PAID,
            appid="wx5b1f0a7c3e9d0b01",
            mchid="1230000109",
            amount=order.total,
            paid_amount=order.total,
            paid_at=timezone.now(),
            out_trade_no=f"{order.order_no}-1",
            transaction_id=transaction_id,
        ),
    )
    return mark_paid(order.order_no, transaction_id, timezone.now(), order.total)
