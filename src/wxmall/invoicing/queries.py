"""Read side: a customer's invoices and invoiceable orders, the desk's lists, monthly totals by rate."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from wxmall.orders.models import Order

from .actions import INVOICEABLE
from .models import Invoice, InvoiceOrder, InvoiceStatus

_COVERS = Prefetch("covers", queryset=InvoiceOrder.objects.select_related("order").order_by("order_id"))


def invoices_of(customer) -> QuerySet[Invoice]:
    return Invoice.objects.filter(customer=customer).prefetch_related(_COVERS).defer("pdf", "red_pdf")


def invoice_of(customer, number: str) -> Invoice | None:
    return invoices_of(customer).filter(number=number).first()


def invoiceable_orders(customer) -> QuerySet[Order]:
    """The customer's paid orders without a live invoice (the request form offers them for merging)."""
    return (
        Order.objects.filter(user=customer, status__in=INVOICEABLE)
        .exclude(invoice_links__active=True)
        .order_by("-created_at")
    )


def live_invoice_for(order: Order) -> Invoice | None:
    link = InvoiceOrder.objects.filter(order=order, active=True).select_related("invoice").first()
    return link.invoice if link else None


def desk(status: str = "", q: str = "") -> QuerySet[Invoice]:
    rows = Invoice.objects.select_related("customer").prefetch_related(_COVERS).defer("pdf", "red_pdf")
    if status:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(
            Q(number__icontains=q)
            | Q(buyer_name__icontains=q)
            | Q(platform_invoice_no__icontains=q)
            | Q(covers__order__order_no__icontains=q)
        ).distinct()
    return rows.order_by("-created_at", "-id")


def status_counts() -> dict[str, int]:
    counts = dict.fromkeys(InvoiceStatus.values, 0)
    for status in Invoice.objects.values_list("status", flat=True):
        counts[status] += 1
    return counts


def for_export(since: date | None, until: date | None) -> QuerySet[Invoice]:
    """Every invoice the platform issued (including later reversed ones), oldest first."""
    rows = Invoice.objects.exclude(issued_at=None).prefetch_related(_COVERS).defer("pdf", "red_pdf")
    if since:
        rows = rows.filter(issued_at__date__gte=since)
    if until:
        rows = rows.filter(issued_at__date__lte=until)
    return rows.order_by("issued_at", "id")


def _month(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


def monthly_totals(invoices) -> list[dict]:
    """Per month and tax rate: blue and red invoice counts, 金额, 税额, 价税合计. A red-letter invoice counts
    negative in the month of the reversal, as on the tax return."""
    totals: dict[tuple[str, int], dict] = defaultdict(
        lambda: {"blue": 0, "red": 0, "amount": 0, "tax": 0, "total": 0}
    )
    for invoice in invoices:
        for sign, moment, kind in ((1, invoice.issued_at, "blue"), (-1, invoice.reversed_at, "red")):
            if moment is None:
                continue
            for line in invoice.lines:
                bucket = totals[(_month(moment), line["tax_rate"])]
                bucket["amount"] += sign * line["amount"]
                bucket["tax"] += sign * line["tax"]
                bucket["total"] += sign * line["total"]
            for rate in {line["tax_rate"] for line in invoice.lines}:
                totals[(_month(moment), rate)][kind] += 1
    return [
        {"month": month, "tax_rate": rate, **values}
        for (month, rate), values in sorted(totals.items(), key=lambda item: (item[0][0], -item[0][1]))
    ]
