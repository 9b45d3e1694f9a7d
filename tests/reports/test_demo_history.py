"""The demo history: orders in every state spread over months, made through the real actions, and
nothing more on a second run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from wxmall.catalog import demo as catalog_demo
from wxmall.customers import demo as customers_demo
from wxmall.orders.models import Order, OrderEvent
from wxmall.reports import demo, queries
from wxmall.reports.queries import Range


@pytest.mark.django_db
def test_demo_history_fills_the_reports_and_is_idempotent():
    catalog_demo.load()
    first = demo.load()
    count = Order.objects.count()
    assert count >= demo.ORDERS * 0.7, first
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {"completed", "shipped", "paid", "refunded", "refund_requested"} <= statuses
    oldest = Order.objects.order_by("paid_at").first().paid_at
    assert oldest < timezone.now() - timedelta(days=90)
    # Real transitions left their audit trail, moved back with the order.
    refunded = Order.objects.filter(status="refunded").first()
    events = list(OrderEvent.objects.filter(order=refunded).values_list("to_status", flat=True))
    assert {"paid", "refund_requested", "refunded"} <= set(
        events
    ) and refunded.refunded_at >= refunded.paid_at >= refunded.created_at
    span = Range((timezone.now() - timedelta(days=130)).date(), timezone.now().date())
    assert queries.summary(span)["orders"] > 0 and queries.by_category(span) and queries.top_products(span)
    assert queries.refunds_by_period(span, "month")
    assert "新建 0 笔" in demo.load() and Order.objects.count() == count
    assert "新建 3 个" in customers_demo.load() and "新建 0 个" in customers_demo.load()
