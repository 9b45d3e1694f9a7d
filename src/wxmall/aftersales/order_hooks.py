"""What after-sales does when an order leaves 退款中 by a path other than this app's own decisions (a refund
from the payments console or admin, a rejection elsewhere): the open request follows, so the customer
never sees a request pending on a settled order. Registered in AftersalesConfig.ready."""

from __future__ import annotations

from django.utils import timezone

from wxmall.orders.state import OrderStatus

from .models import OPEN, AfterSale, Status


def follow_order(order, from_status: str, to_status: str) -> None:
    refunded = to_status == OrderStatus.REFUNDED
    AfterSale.objects.filter(order_id=order.pk, status__in=OPEN).update(
        status=Status.REFUNDING if refunded else Status.REJECTED,
        decided_at=timezone.now(),
        decision_note="商家已退款" if refunded else "商家已处理，订单恢复",
    )
