"""我的: who is logged in, shortcuts into the order tabs with counts, and logout."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wxmall.orders import queries
from wxmall.orders.state import OrderStatus

from .common import customer_required

S = OrderStatus
SHORTCUTS = (
    (S.PENDING_PAYMENT, "待支付"),
    (S.PAID, "待发货"),
    (S.SHIPPED, "待收货"),
    (S.COMPLETED, "已完成"),
    (S.REFUND_REQUESTED, "退款/售后"),
)


@customer_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    counts = dict(
        queries.orders_for(request.user)
        .prefetch_related(None)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return render(
        request,
        "storefront/me.html",
        {
            "shortcuts": [(status, label, counts.get(status, 0)) for status, label in SHORTCUTS],
            "active_tab": "me",
        },
    )
