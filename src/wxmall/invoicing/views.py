"""The customer's invoice pages (Chinese UI, inside the storefront's frame):

  GET  /invoices/                       my invoices, newest first
  GET  /invoices/new/?order=<no>        the request form (a saved title or a new one; more orders to merge)
  POST /invoices/new/                   request → the invoice's page
  GET  /invoices/wechat-titles/         → WeChat's page to pick a saved title (it comes back as a saved title)
  GET  /invoices/<number>/              status, buyer, lines, the PDF, 存入微信卡包
  GET  /invoices/<number>/wechat/       → WeChat's authorisation page for the card package
  GET  /invoices/<number>/pdf/          the invoice PDF (red: ?red=1, the red-letter one)

Only the customer's own invoices and orders are reachable; another one's is a 404. Anonymous visitors go
to the login page (every URL here answers GET, so coming back after login works). The storefront's
checkout imports `checkout_values` / `checkout_buyer` from here, so nothing here imports the storefront.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from wxmall.core.errors import DomainError
from wxmall.orders.models import Order

from . import actions, cardpackage, queries
from .models import InvoiceStatus, InvoiceType, TitleKind, WechatStatus

FIELDS = ("invoice_type", "kind", "name", "tax_id", "address", "phone", "bank_name", "bank_account")


def buyer_from(data, titles) -> actions.Buyer:
    """The buyer from a form: a saved title (`title` = its id) or the typed fields; DomainError if wrong."""
    values = {field: str(data.get(field, ""))[:200] for field in FIELDS}
    chosen = str(data.get("title", ""))
    saved = next((t for t in titles if str(t.pk) == chosen), None)
    if saved is not None:
        values |= {
            "kind": saved.kind,
            "name": saved.name,
            "tax_id": saved.tax_id,
            "address": saved.address,
            "phone": saved.phone,
            "bank_name": saved.bank_name,
            "bank_account": saved.bank_account,
        }
    return actions.check_buyer(**values)


def checkout_values(data) -> dict:
    """The invoice part of the checkout form (fields `inv_…`, `want_invoice`), as typed."""
    values: dict = {field: str(data.get(f"inv_{field}", ""))[:200] for field in FIELDS}
    return values | {"want_invoice": data.get("want_invoice") == "1"}


def checkout_buyer(values: dict) -> actions.Buyer | None:
    """The checked buyer of `checkout_values`, None when no invoice is wanted; DomainError when wrong."""
    if not values["want_invoice"]:
        return None
    return actions.check_buyer(**{field: values[field] for field in FIELDS})


def _form_context(request: HttpRequest, order_nos: list[str], values: dict) -> dict:
    return {
        "orders": list(queries.invoiceable_orders(request.user)[:50]),
        "chosen": set(order_nos),
        "titles": list(request.user.invoice_titles.all()[:20]),
        "values": values,
        "invoice_types": InvoiceType.choices,
        "title_kinds": TitleKind.choices,
        "active_tab": "me",
    }


@login_required
@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        order_nos = [no[:32] for no in request.GET.getlist("order")][:20]
        for order in Order.objects.filter(user=request.user, order_no__in=order_nos[:1]):
            invoice = queries.live_invoice_for(order)
            if invoice is not None:  # 查看发票: the order already has one
                return redirect("invoicing:detail", number=invoice.number)
        return render(
            request, "invoicing/request.html", _form_context(request, order_nos, {"invoice_type": "normal"})
        )
    order_nos = [no[:32] for no in request.POST.getlist("order")][: actions.MAX_ORDERS + 1]
    values = {field: request.POST.get(field, "")[:200] for field in FIELDS}
    try:
        buyer = buyer_from(request.POST, list(request.user.invoice_titles.all()))
        invoice = actions.request_invoice(
            request.user, order_nos, buyer, email=request.POST.get("email", "")[:254]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return render(
            request, "invoicing/request.html", _form_context(request, order_nos, values), status=exc.status
        )
    messages.success(request, "已提交开票申请，发票开具后可在此下载")
    return redirect("invoicing:detail", number=invoice.number)


@login_required
@require_GET
def wechat_titles(request: HttpRequest) -> HttpResponse:
    try:
        return redirect(cardpackage.select_title_url(request.user))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("invoicing:request")


@login_required
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    invoices = list(queries.invoices_of(request.user)[:50])
    return render(request, "invoicing/list.html", {"invoices": invoices, "active_tab": "me"})


def _own(request: HttpRequest, number: str):
    invoice = queries.invoice_of(request.user, number[:32])
    if invoice is None:
        raise Http404("发票不存在")
    return invoice


@login_required
@require_GET
def invoice_detail(request: HttpRequest, number: str) -> HttpResponse:
    invoice = _own(request, number)
    return render(
        request,
        "invoicing/detail.html",
        {
            "invoice": invoice,
            "can_wechat": invoice.status
            in (InvoiceStatus.REQUESTED, InvoiceStatus.ISSUING, InvoiceStatus.ISSUED)
            and invoice.wechat_status in (WechatStatus.NONE, WechatStatus.LINK, WechatStatus.DECLINED),
            "reissued": queries.invoices_of(request.user).filter(replaces=invoice).first(),
            "active_tab": "me",
        },
    )


@login_required
@require_GET
def to_wechat(request: HttpRequest, number: str) -> HttpResponse:
    """A link, not a form: the page CSP's form-action would stop a form's redirect to WeChat's host (as
    the storefront's WeChat login is a link). Asking WeChat for the page again only re-opens it."""
    invoice = _own(request, number)
    back = request.build_absolute_uri(reverse("invoicing:detail", args=[invoice.number]))
    try:
        url = cardpackage.authorization_url(invoice, back)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("invoicing:detail", number=invoice.number)
    return redirect(url)


@login_required
@require_GET
def pdf(request: HttpRequest, number: str) -> HttpResponse:
    invoice = queries.invoices_of(request.user).defer(None).filter(number=number[:32]).first()
    if invoice is None:
        raise Http404("发票不存在")
    red = request.GET.get("red") == "1"
    content = invoice.red_pdf if red else invoice.pdf
    if not content:
        raise Http404("发票尚未开具")
    name = (invoice.red_invoice_no if red else invoice.platform_invoice_no) or invoice.number
    response = HttpResponse(bytes(content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="fapiao-{name}.pdf"'
    return response
