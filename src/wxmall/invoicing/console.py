"""The invoice desk (发票台, `/console/invoices/`), staff only: every invoice by status with its orders and
trail; retry a failed or stuck issue, fix a refused title, retry a failed card insert, reverse (红冲 and
re-issue); manual issue for an order the customer did not request; the accountant's XLSX export and the
monthly totals by tax rate. State changes go through `actions`."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from wxmall.core.errors import DomainError
from wxmall.orders.models import Order

from . import actions, exports, queries
from .errors import InvoiceError
from .models import Invoice, InvoiceStatus, InvoiceType, TitleKind
from .views import FIELDS

PAGE_SIZE = 50


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


@staff_member_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in InvoiceStatus.values else ""
    q = request.GET.get("q", "").strip()[:64]
    page = Paginator(queries.desk(status, q), PAGE_SIZE).get_page(request.GET.get("page"))
    this_year = timezone.localdate().replace(month=1, day=1)
    return render(
        request,
        "invoicing/desk.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "statuses": InvoiceStatus.choices,
            "counts": queries.status_counts(),
            "months": queries.monthly_totals(queries.for_export(this_year, None)),
            "invoice_types": InvoiceType.choices,
            "title_kinds": TitleKind.choices,
        },
    )


@staff_member_required
@require_GET
def detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.defer("pdf", "red_pdf"), pk=invoice_id)
    return render(
        request,
        "invoicing/desk_detail.html",
        {
            "invoice": invoice,
            "events": invoice.events.select_related("actor"),
            "covers": invoice.covers.select_related("order"),
            "invoice_types": InvoiceType.choices,
            "title_kinds": TitleKind.choices,
        },
    )


def _act(request: HttpRequest, invoice_id: int, action, done: str) -> HttpResponse:
    try:
        action()
        messages.success(request, done)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("console:invoice_detail", invoice_id=invoice_id)


@staff_member_required
@require_POST
def retry(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return _act(request, invoice_id, lambda: actions.retry(invoice_id, request.user), "已重新提交开票")


@staff_member_required
@require_POST
def retry_wechat(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return _act(request, invoice_id, lambda: actions.retry_wechat(invoice_id, request.user), "已重新存入卡包")


@staff_member_required
@require_POST
def correct(request: HttpRequest, invoice_id: int) -> HttpResponse:
    def run():
        buyer = actions.check_buyer(**{field: request.POST.get(field, "")[:200] for field in FIELDS})
        actions.correct_buyer(invoice_id, buyer, request.user)

    return _act(request, invoice_id, run, "抬头已修改，已重新提交开票")


@staff_member_required
@require_POST
def reverse(request: HttpRequest, invoice_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "").strip()[:100] or "商家红冲"

    def run():
        invoice = get_object_or_404(Invoice, pk=invoice_id)
        if invoice.status != InvoiceStatus.ISSUED:
            raise DomainError(InvoiceError.NOT_ISSUED)
        actions.request_reversal(invoice_id, reason, request.user)

    return _act(request, invoice_id, run, "已提交红冲，完成后按剩余金额重新开具")


@staff_member_required
@require_POST
def manual(request: HttpRequest) -> HttpResponse:
    """手动开票: staff request an invoice for a customer's paid order (a phone call, an email)."""
    order = Order.objects.filter(order_no=request.POST.get("order_no", "").strip()[:32]).first()
    try:
        if order is None:
            raise DomainError(InvoiceError.ORDER_NOT_FOUND)
        buyer = actions.check_buyer(**{field: request.POST.get(field, "")[:200] for field in FIELDS})
        invoice = actions.request_invoice(order.user, [order.order_no], buyer, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("console:invoices")
    messages.success(request, f"已为订单 {order.order_no} 提交开票")
    return redirect("console:invoice_detail", invoice_id=invoice.pk)


@staff_member_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    since, until = _day(request.GET.get("since", "")), _day(request.GET.get("until", ""))
    content = exports.workbook(queries.for_export(since, until))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="invoices-{stamp}.xlsx"'
    return response


@staff_member_required
@require_GET
def pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=invoice_id)
    content = invoice.red_pdf if request.GET.get("red") == "1" else invoice.pdf
    if not content:
        return HttpResponse("发票尚未开具", status=404, content_type="text/plain; charset=utf-8")
    return HttpResponse(bytes(content), content_type="application/pdf")
