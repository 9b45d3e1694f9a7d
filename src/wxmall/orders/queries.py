"""Read side of orders: a customer's list and detail, and the console's figures for today."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils import timezone

from wxmall.core.errors import DomainError

from .errors import OrderError
from .models import Order, OrderEvent, OrderLine
from .state import PAID_STATUSES, OrderStatus

BEIJING = ZoneInfo("Asia/Shanghai")


def orders_for(user, status: str | None = None) -> QuerySet[Order]:
    """The customer's orders, newest first, lines prefetched (two queries however many orders).
    `status` filters by one OrderStatus value; an unknown value → DomainError invalid_status."""
    if status and status not in OrderStatus.values:
        raise DomainError(OrderError.INVALID_STATUS)
    orders = Order.objects.filter(user=user).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
    )
    return orders.filter(status=status) if status else orders


def order_for(user, order_no: str) -> Order:
    """One of the customer's orders with lines and events. An unknown order number and another
    customer's order are the same not_found: existence is not revealed."""
    order = (
        Order.objects.filter(user=user, order_no=order_no)
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
            Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id")),
        )
        .first()
    )
    if order is None:
        raise DomainError(OrderError.NOT_FOUND)
    return order


def today_summary(now: datetime | None = None) -> dict:
    """Orders paid today (Asia/Shanghai calendar day) and their GMV in fen. Refunded and cancelled
    orders are left out; a refund still being decided counts."""
    now = (now or timezone.now()).astimezone(BEIJING)
    start = datetime.combine(now.date(), time.min, tzinfo=BEIJING)
    figures = Order.objects.filter(
        paid_at__gte=start, paid_at__lt=start + timedelta(days=1), status__in=PAID_STATUSES
    ).aggregate(count=Count("id"), gmv=Sum("total"))
    return {"count": figures["count"] or 0, "gmv": figures["gmv"] or 0}
