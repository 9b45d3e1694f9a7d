"""Console pages for fulfilment (/console/fulfilment/): orders waiting to ship, one order's shipping page
(lines with what is left to ship, a parcel form, the parcels sent, 线下收款 for an unpaid order), its
printable packing list (拣货单/发货单), the courier list sync, and the freight template editor.

Staff only; shipping needs `fulfilment.ship_order`, freight `fulfilment.manage_freight`, offline payment
`payments.mark_paid_offline` (others get the shared Chinese 403 page). State changes go through `actions` (and payments.actions); a refusal shows
the Chinese reason and writes nothing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wxmall.core import regions
from wxmall.core.errors import DomainError
from wxmall.core.http import staff_permission_required
from wxmall.core.masking import mask_name, mask_phone
from wxmall.core.money import format_yuan, parse_yuan
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.payments import actions as payment_actions

from . import actions, queries
from .errors import FulfilmentError
from .models import FreightMethod, FreightTemplate

PAGE_SIZE = 50
MAX_RULE_ROWS = 6  # rule rows the editor shows (one per region group); unused rows are left empty


SHIPPING = staff_permission_required(actions.SHIP_PERMISSION, what="发货")
FREIGHT = staff_permission_required(actions.FREIGHT_PERMISSION, what="管理运费模板")


@SHIPPING
@require_GET
def awaiting(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.awaiting_shipment(), PAGE_SIZE).get_page(request.GET.get("page"))
    for order in page.object_list:
        order.recipient_masked = mask_name(order.ship_recipient)
        order.total_display = format_yuan(order.total)
    couriers = queries.couriers()
    return render(
        request,
        "fulfilment/awaiting.html",
        {"page": page, "couriers": couriers, "synced": couriers != list(queries.builtin_couriers())},
    )


def _order_context(order: Order) -> dict:
    return {
        "order": order,
        "lines": queries.lines_to_ship(order),
        "shipments": queries.shipments_of(order),
        "couriers": queries.couriers(),
        "total_display": format_yuan(order.total),
        "phone_masked": mask_phone(order.ship_phone),
        "can_ship": order.status == OrderStatus.PAID,
        "can_mark_paid": order.status == OrderStatus.PENDING_PAYMENT,
    }


@SHIPPING
@require_http_methods(["GET", "POST"])
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    found = get_object_or_404(Order, pk=order_id)
    if request.method == "POST":
        try:
            shipment = actions.ship(
                found.pk,
                request.user,
                courier_code=request.POST.get("courier", "")[:32],
                tracking_no=request.POST.get("tracking_no", "")[:64],
                quantities=_quantities(request.POST, found),
            )
        except DomainError as error:
            messages.error(request, f"未能发货：{error.message}")
            found.refresh_from_db()
            return render(request, "fulfilment/order.html", _order_context(found), status=error.status)
        messages.success(request, f"已发货：{shipment.courier_name} {shipment.tracking_no}")
        return redirect("console:fulfilment_order", found.pk)
    return render(request, "fulfilment/order.html", _order_context(found))


def _quantities(post, order: Order) -> dict[int, int]:
    """The parcel's units per line from `qty-<line id>` fields; blank means 0, non-numbers are refused."""
    quantities = {}
    for line_id in order.lines.values_list("pk", flat=True):
        raw = post.get(f"qty-{line_id}", "").strip()[:6]
        if not raw:
            quantities[line_id] = 0
        elif raw.isdigit():
            quantities[line_id] = int(raw)
        else:
            raise DomainError(FulfilmentError.INVALID_QUANTITY)
    return quantities


@staff_permission_required(payment_actions.OFFLINE_PERMISSION, what="登记线下收款")
@require_POST
def mark_paid(request: HttpRequest, order_id: int) -> HttpResponse:
    found = get_object_or_404(Order, pk=order_id)
    try:
        payment_actions.mark_paid_offline(
            found.pk,
            request.user,
            reference=request.POST.get("reference", "")[:200],
            reason=request.POST.get("reason", "")[:200],
        )
    except DomainError as error:
        messages.error(request, f"未能登记线下收款：{error.message}")
    else:
        messages.success(request, f"已登记线下收款 {format_yuan(found.total)}，订单转为待发货")
    return redirect("console:fulfilment_order", found.pk)


@SHIPPING
@require_GET
def packing_list(request: HttpRequest, order_id: int) -> HttpResponse:
    found = get_object_or_404(Order.objects.select_related("user"), pk=order_id)
    return render(request, "fulfilment/packing_list.html", _order_context(found))


@SHIPPING
@require_POST
def sync_couriers(request: HttpRequest) -> HttpResponse:
    try:
        count = actions.sync_couriers()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已从微信小店同步 {count} 家快递公司")
    return redirect("console:fulfilment")


# --- freight templates ----------------------------------------------------------------------------------
@FREIGHT
@require_GET
def freight(request: HttpRequest) -> HttpResponse:
    return render(request, "fulfilment/freight_list.html", {"templates": queries.templates()})


def _units(raw: str, method: str) -> int | None:
    """Pieces for a count template; kilograms (up to 3 decimals) typed, grams kept, for a weight one."""
    raw = raw.strip()[:12]
    if method != FreightMethod.WEIGHT:
        return int(raw) if raw.isdigit() else None
    try:
        grams = Decimal(raw) * 1000
    except InvalidOperation:
        return None
    return int(grams) if grams.is_finite() and grams == grams.to_integral_value() else None


def _rules_from(post, method: str) -> list[dict]:
    rules = []
    for i in range(MAX_RULE_ROWS):
        fields = [
            post.get(f"r{i}-{k}", "")
            for k in ("first_units", "first_fee", "additional_units", "additional_fee")
        ]
        provinces = post.getlist(f"r{i}-provinces")
        if not any(f.strip() for f in fields) and not provinces:
            continue
        first_fee, additional_fee = parse_yuan(fields[1][:32]), parse_yuan(fields[3][:32])
        rules.append(
            {
                "provinces": provinces,
                "first_units": _units(fields[0], method),
                "first_fee": first_fee,
                "additional_units": _units(fields[2], method),
                "additional_fee": additional_fee,
            }
        )
    return rules


@FREIGHT
@require_http_methods(["GET", "POST"])
def freight_edit(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    template = get_object_or_404(FreightTemplate, pk=template_id) if template_id else None
    if request.method == "POST":
        post = request.POST
        method = post.get("method", "")
        free_over_raw = post.get("free_over", "").strip()[:32]
        free_over = parse_yuan(free_over_raw) if free_over_raw else None
        try:
            if free_over_raw and free_over is None:
                raise DomainError(
                    FulfilmentError.INVALID_TEMPLATE, "包邮金额格式不正确，应为元金额，最多两位小数"
                )
            saved = actions.save_template(
                request.user,
                template_id=template.pk if template else None,
                name=post.get("name", "")[:80],
                method=method,
                free_over=free_over,
                undeliverable=post.getlist("undeliverable"),
                rules=_rules_from(post, method),
                is_default=post.get("is_default") == "1",
            )
        except DomainError as error:
            messages.error(request, f"未能保存：{error.message}")
            return render(
                request, "fulfilment/freight_edit.html", _editor_context(template, post), status=error.status
            )
        messages.success(request, f"运费模板「{saved.name}」已保存")
        return redirect("console:fulfilment_freight")
    return render(request, "fulfilment/freight_edit.html", _editor_context(template, None))


def _editor_context(template: FreightTemplate | None, post) -> dict:
    """The editor's fields: what was posted (to show it again with the error), else the saved template."""
    rows = []
    if post is not None:
        for i in range(MAX_RULE_ROWS):
            rows.append(
                {
                    "provinces": post.getlist(f"r{i}-provinces"),
                    **{
                        k: post.get(f"r{i}-{k}", "")
                        for k in ("first_units", "first_fee", "additional_units", "additional_fee")
                    },
                }
            )
        values = {
            "name": post.get("name", ""),
            "method": post.get("method", FreightMethod.COUNT),
            "free_over": post.get("free_over", ""),
            "undeliverable": post.getlist("undeliverable"),
            "is_default": post.get("is_default") == "1",
        }
    else:
        weight = template is not None and template.method == FreightMethod.WEIGHT
        for rule in template.rules.all() if template else []:
            rows.append(
                {
                    "provinces": rule.provinces,
                    "first_units": _show_units(rule.first_units, weight),
                    "first_fee": f"{rule.first_fee / 100:.2f}",
                    "additional_units": _show_units(rule.additional_units, weight),
                    "additional_fee": f"{rule.additional_fee / 100:.2f}",
                }
            )
        values = {
            "name": template.name if template else "",
            "method": template.method if template else FreightMethod.COUNT,
            "free_over": f"{template.free_over / 100:.2f}" if template and template.free_over else "",
            "undeliverable": template.undeliverable if template else [],
            "is_default": template.is_default if template else False,
        }
    rows += [{"provinces": []}] * (MAX_RULE_ROWS - len(rows))
    return {
        "template": template,
        "values": values,
        "rows": [{"index": i, **row} for i, row in enumerate(rows)],
        "provinces": regions.provinces(),
        "methods": FreightMethod.choices,
    }


def _show_units(units: int, weight: bool) -> str:
    return f"{Decimal(units) / 1000:f}".rstrip("0").rstrip(".") if weight else str(units)


@FREIGHT
@require_POST
def freight_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    try:
        actions.delete_template(request.user, template_id)
    except DomainError as error:
        messages.error(request, f"未能删除：{error.message}")
    else:
        messages.success(request, "运费模板已删除")
    return redirect("console:fulfilment_freight")
