"""Paying an order with WeChat Pay: the method follows the browser (JSAPI inside WeChat, H5 in other
mobile browsers, a Native QR code on a PC), the pay page polls the status, "我已支付" queries WeChat at
once. Nothing here trusts the browser's word that it paid: only WeChat's notification or query does."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from wxmall.accounts.queries import openid_for
from wxmall.core.errors import DomainError
from wxmall.core.http import client_ip
from wxmall.orders import queries as order_queries
from wxmall.orders.state import OrderStatus
from wxmall.payments import actions, queries, wechatpay
from wxmall.payments.config import pay_config
from wxmall.payments.models import PayMethod

from ..presenters import qr_svg
from .common import customer_required, not_found

_MOBILE = ("Mobile", "Android", "iPhone", "iPad")


def method_for(request: HttpRequest) -> str:
    agent = request.META.get("HTTP_USER_AGENT", "")[:512]
    if "MicroMessenger" in agent:
        return PayMethod.JSAPI
    if any(word in agent for word in _MOBILE):
        return PayMethod.H5
    return PayMethod.NATIVE


def _order(request: HttpRequest, order_no: str):
    try:
        return order_queries.order_for(request.user, order_no)
    except DomainError:
        return None


@customer_required
@require_POST
def start(request: HttpRequest, order_no: str) -> HttpResponse:
    """Prepay with the browser's method (a fresh attempt when the last code lapsed)."""
    order = _order(request, order_no)
    if order is None:
        return not_found(request, "订单不存在")
    # The browser decides by default; the customer may pick another method (WeChat checks each anyway),
    # e.g. 微信内支付 inside the wxsandbox phone, whose frame does not send WeChat's user agent.
    chosen = request.POST.get("method", "")
    method = chosen if chosen in (PayMethod.JSAPI, PayMethod.H5, PayMethod.NATIVE) else method_for(request)
    openid = ""
    if method == PayMethod.JSAPI:
        openid = openid_for(request.user, pay_config().appid) or ""
    try:
        actions.start_payment(order_no, request.user, method, openid=openid, client_ip=client_ip(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("storefront:order", order_no=order_no)
    return redirect("storefront:pay", order_no=order_no)


@customer_required
@require_GET
def page(request: HttpRequest, order_no: str) -> HttpResponse:
    order = _order(request, order_no)
    if order is None:
        return not_found(request, "订单不存在")
    if order.status != OrderStatus.PENDING_PAYMENT:
        return redirect("storefront:order", order_no=order_no)
    payment = queries.current_attempt(order)
    if payment is None:
        return redirect("storefront:order", order_no=order_no)
    lapsed = payment.code_expires_at is not None and payment.code_expires_at <= timezone.now()
    context = {"order": order, "payment": payment, "lapsed": lapsed, "active_tab": "me"}
    if payment.method == PayMethod.NATIVE and payment.code_url and not lapsed:
        context["qr_svg"] = qr_svg(payment.code_url)
    if payment.method == PayMethod.JSAPI and payment.prepay_id and not lapsed:
        context["jsapi"] = wechatpay.invocation(pay_config(), payment.appid, payment.prepay_id)
        if settings.DEMO:  # real WeChat injects the bridge itself
            context["jsbridge_url"] = settings.WXSANDBOX_PHONE_ORIGIN.rstrip("/") + "/phone/jsbridge.js"
    return render(request, "storefront/pay.html", context)


@customer_required
@require_GET
def status(request: HttpRequest, order_no: str) -> HttpResponse:
    order = _order(request, order_no)
    if order is None:
        return JsonResponse({"code": "order_not_found", "message": "订单不存在"}, status=404)
    return JsonResponse({"status": order.status, "paid": order.status != OrderStatus.PENDING_PAYMENT})


@customer_required
@require_POST
def check(request: HttpRequest, order_no: str) -> HttpResponse:
    """我已支付: ask WeChat now instead of waiting for the notification."""
    order = _order(request, order_no)
    if order is None:
        return not_found(request, "订单不存在")
    payment = queries.current_attempt(order)
    if payment is not None:
        try:
            actions.query_payment(payment.pk)
        except wechatpay.GatewayError:
            messages.error(request, "暂时无法查询支付结果，请稍后再试")
            return redirect("storefront:pay", order_no=order_no)
    order.refresh_from_db()
    if order.status == OrderStatus.PENDING_PAYMENT:
        messages.info(request, "尚未收到支付结果，如已付款请稍候")
        return redirect("storefront:pay", order_no=order_no)
    messages.success(request, "支付成功")
    return redirect("storefront:order", order_no=order_no)
