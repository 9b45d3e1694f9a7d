"""Read side of after-sales: the desk's list, one request, a customer's requests, and the status in the
customer's words."""

from __future__ import annotations

from wxmall.payments.models import RefundStatus

from .models import AfterSale, Status


def desk(status: str = ""):
    rows = AfterSale.objects.select_related("order", "user", "refund").prefetch_related("photos")
    return rows.filter(status=status) if status in Status.values else rows


def for_order(order) -> list[AfterSale]:
    return list(order.aftersales.select_related("refund").prefetch_related("photos"))


def customer_status(sale: AfterSale) -> str:
    """The status shown to the customer: 已退款 once WeChat confirmed the refund, else the request's own."""
    if (
        sale.status == Status.REFUNDING
        and sale.refund is not None
        and sale.refund.status == RefundStatus.SUCCESS
    ):
        return "已退款"
    return sale.get_status_display()
