"""The console's pickup counter (/console/pickup/): staff type or scan a customer's 核销码 (a keyboard-wedge
scanner types the 12 digits the QR code holds, then Enter), see the order, and confirm the hand-over.

Both steps are POSTs, so codes never land in URLs or access logs. Staff only, with the
`pickup.verify_pickup` permission; the hand-over itself is `actions.verify` (exactly once)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from wxmall.core.errors import DomainError
from wxmall.core.money import yuan
from wxmall.orders.state import OrderStatus

from . import actions, queries
from .errors import PickupError

TEMPLATE = "pickup/console_verify.html"


def _page(request: HttpRequest, status: int = 200, **context) -> HttpResponse:
    return render(request, TEMPLATE, {"recent": queries.recent_verifications(), **context}, status=status)


def _refused(request: HttpRequest, error: DomainError, **context) -> HttpResponse:
    messages.error(request, error.message)
    return _page(request, status=error.status, **context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest) -> HttpResponse:
    if not actions.may_verify(request.user):
        return _refused(request, DomainError(PickupError.NOT_PERMITTED), forbidden=True)
    if request.method == "GET":
        return _page(request)
    raw = request.POST.get("code", "")
    if request.POST.get("step") == "verify":
        try:
            pickup = actions.verify(raw, request.user)
        except DomainError as error:
            return _refused(request, error, **_lookup_context(raw))
        messages.success(request, f"核销成功：订单 {pickup.order.order_no} 已完成，请将商品交给顾客")
        return _page(request, **_lookup_context(raw))
    try:
        context = _lookup_context(raw, strict=True)
    except DomainError as error:
        return _refused(request, error)
    return _page(request, **context)


def _lookup_context(raw, *, strict: bool = False) -> dict:
    """The order behind a code, for the page; a code that finds nothing shows nothing (or raises)."""
    try:
        pickup = queries.pickup_for_code(raw)
    except DomainError:
        if strict:
            raise
        return {}
    order = pickup.order
    state = (
        "verified"
        if pickup.verified_at
        else "voided"
        if pickup.voided_at
        else "ready"
        if order.status == OrderStatus.PAID
        else "blocked"
    )
    return {
        "pickup": pickup,
        "order": order,
        "code": pickup.code,
        "state": state,
        "total_display": yuan(order.total),
    }
