"""Console page 微信小店 (/console/store/): binding, category mapping, per-product sync state with the
Store's rejection reasons and one-click resync, Store orders with shipping, after-sales, stock drift.
Staff only; every form posts back here with a Chinese message."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from wxmall.core.errors import DomainError
from wxmall.core.money import parse_yuan
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WeChatError

from . import compass, queries
from .actions import aftersales, binding, orders, products
from .errors import StoreError


@staff_member_required
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "store/overview.html", queries.overview() | compass.console_context())


def _act(request: HttpRequest, action: Callable[[], object], done: str, anchor: str = "") -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    except (WeChatError, NotConfigured):
        messages.error(request, "微信小店接口暂不可用，请稍后重试")
    except (ValueError, KeyError):
        messages.error(request, "提交的内容不完整或格式不对")
    else:
        messages.success(request, done)
    return redirect(reverse("console:store") + anchor)


def _int(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isdigit() or len(value) > 18:
        raise ValueError(name)
    return int(value)


@require_POST
@staff_member_required
def connect(request: HttpRequest) -> HttpResponse:
    return _act(request, binding.connect, "已连接微信小店")


@require_POST
@staff_member_required
def bind(request: HttpRequest) -> HttpResponse:
    finder_id = request.POST.get("finder_id", "")[:80]
    nickname = request.POST.get("nickname", "")[:64]
    return _act(request, lambda: binding.bind_channels(finder_id, nickname), "视频号已绑定", "#channels")


@require_POST
@staff_member_required
def unbind(request: HttpRequest) -> HttpResponse:
    return _act(
        request, lambda: binding.unbind_channels(_int(request, "account_id")), "视频号已解绑", "#channels"
    )


@require_POST
@staff_member_required
def map_category(request: HttpRequest) -> HttpResponse:
    path = request.POST.get("store_path", "")[:200].replace("，", ",").split(",")
    names = request.POST.get("store_names", "")[:200]
    return _act(
        request,
        lambda: binding.map_category(_int(request, "category_id"), path, names),
        "类目映射已保存，相关商品已排队同步",
        "#categories",
    )


@require_POST
@staff_member_required
def sync_product(request: HttpRequest) -> HttpResponse:
    return _act(
        request, lambda: products.start_sync(_int(request, "product_id")), "已排队同步到微信小店", "#products"
    )


@require_POST
@staff_member_required
def ship(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        lambda: orders.ship(
            _int(request, "order_id"),
            request.user,
            delivery_id=request.POST.get("delivery_id", "")[:32],
            waybill_id=request.POST.get("waybill_id", "")[:64],
        ),
        "已发货，物流信息正在同步到微信小店",
        "#orders",
    )


@require_POST
@staff_member_required
def start_refund(request: HttpRequest) -> HttpResponse:
    def start() -> None:
        amount = parse_yuan(request.POST.get("amount", "")[:20])
        if amount is None:
            raise DomainError(StoreError.REFUND_INVALID)
        aftersales.start_refund(
            _int(request, "order_id"),
            _int(request, "line_id"),
            count=_int(request, "count"),
            amount=amount,
            reason=request.POST.get("reason", "")[:32],
            request_id=request.POST.get("request_id", "")[:32],
            staff=request.user,
        )

    return _act(request, start, "已向微信小店发起退款，等待买家确认", "#orders")


@require_POST
@staff_member_required
def decide_aftersale(request: HttpRequest) -> HttpResponse:
    accept = request.POST.get("decision") == "accept"
    sale_id = request.POST.get("after_sale_order_id", "")[:24]
    return _act(
        request,
        lambda: aftersales.decide(sale_id, accept=accept, reason=request.POST.get("reason", "")[:200]),
        "已同意售后，正在同步到微信小店" if accept else "已拒绝售后，正在同步到微信小店",
        "#aftersales",
    )
