"""Merchant console pages: today's figures, the outbox's pending and dead letters with manual
compensation (replay, discard), and per-destination delivery health. Staff only."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from wxmall.core import actions
from wxmall.core import queries as outbox_queries
from wxmall.core.errors import DomainError
from wxmall.core.models import OutboxMessage, OutboxStatus
from wxmall.orders.queries import today_summary

from .queries import orders_per_hour_today

PAGE_SIZE = 50
PAYLOAD_PREVIEW_CHARS = 120
ECHARTS = "echarts/echarts.min.js"

# (label, admin URL name): shown only when that admin page is registered.
ADMIN_LINKS = [
    ("商品", "admin:catalog_product_changelist"),
    ("SKU 与库存", "admin:catalog_sku_changelist"),
    ("分类", "admin:catalog_category_changelist"),
    ("订单", "admin:orders_order_changelist"),
    ("优惠券", "admin:checkout_coupon_changelist"),
    ("限时秒杀", "admin:checkout_flashsale_changelist"),
    ("外发消息", "admin:core_outboxmessage_changelist"),
    ("用户", "admin:accounts_user_changelist"),
]


def _admin_links() -> list[tuple[str, str]]:
    links = []
    for label, name in ADMIN_LINKS:
        try:
            links.append((label, reverse(name)))
        except NoReverseMatch:
            continue
    return links


def payload_preview(payload) -> str:
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= PAYLOAD_PREVIEW_CHARS else text[:PAYLOAD_PREVIEW_CHARS] + "…"


@staff_member_required
def home(request: HttpRequest) -> HttpResponse:
    hours = orders_per_hour_today()
    summary = today_summary()
    return render(
        request,
        "console/home.html",
        {
            "summary": summary,
            "counts": outbox_queries.status_counts(),
            "health": outbox_queries.destination_health(),
            "chart": {
                "hours": [f"{h['hour']:02d}时" for h in hours],
                "orders": [h["orders"] for h in hours],
                "gmv_yuan": [h["gmv"] / 100 for h in hours],  # display only; amounts stay fen elsewhere
            },
            "echarts_available": finders.find(ECHARTS) is not None,
            "echarts_path": ECHARTS,
            "admin_links": _admin_links(),
        },
    )


@staff_member_required
def outbox_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in OutboxStatus.values else ""
    destination = request.GET.get("destination", "")
    rows = outbox_queries.messages(status=status or None, destination=destination or None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for message in page:
        message.preview = payload_preview(message.payload)
    return render(
        request,
        "console/outbox_list.html",
        {
            "page": page,
            "status": status,
            "destination": destination,
            "statuses": OutboxStatus.choices,
            "destinations": outbox_queries.known_destinations(),
            "counts": outbox_queries.status_counts(),
        },
    )


@staff_member_required
def outbox_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(OutboxMessage, pk=message_id)
    return render(
        request,
        "console/outbox_detail.html",
        {
            "message": message,
            "now": timezone.now(),
            "payload_json": json.dumps(message.payload, ensure_ascii=False, indent=2, sort_keys=True),
            "result_json": None
            if message.result is None
            else json.dumps(message.result, ensure_ascii=False, indent=2, sort_keys=True),
            "attempts": message.delivery_attempts.all()[:100],
            "audit": message.audit_entries.select_related("staff"),
        },
    )


def _back(request: HttpRequest, message_id: int):
    """Back to the page the form was on (same site only), else the message, else the list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    if OutboxMessage.objects.filter(pk=message_id).exists():
        return redirect("console:outbox_detail", message_id=message_id)
    return redirect("console:outbox")


@require_POST
@staff_member_required
def outbox_replay(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        actions.replay(message_id, request.user)
    except DomainError as exc:
        messages.error(request, f"消息 #{message_id} 未能重放：{exc.message}")
    else:
        messages.success(request, f"消息 #{message_id} 已重新排队投递")
    return _back(request, message_id)


@require_POST
@staff_member_required
def outbox_discard(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        actions.discard(message_id, request.user, request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, f"消息 #{message_id} 未能丢弃：{exc.message}")
    else:
        messages.success(request, f"消息 #{message_id} 已丢弃")
    return _back(request, message_id)


@staff_member_required
def destinations(request: HttpRequest) -> HttpResponse:
    hours = outbox_queries.attempts_per_hour_today()
    return render(
        request,
        "console/destinations.html",
        {
            "health": outbox_queries.destination_health(),
            "chart": {
                "hours": [f"{h['hour']:02d}时" for h in hours],
                "ok": [h["ok"] for h in hours],
                "failed": [h["failed"] for h in hours],
            },
            "echarts_available": finders.find(ECHARTS) is not None,
            "echarts_path": ECHARTS,
        },
    )
