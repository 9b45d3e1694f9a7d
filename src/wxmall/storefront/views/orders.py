"""My orders: the list with status tabs, one order's detail with its timeline, and the customer's own
moves on it (取消订单, 确认收货) through `orders.actions`."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from wxmall.aftersales import actions as aftersale_actions
from wxmall.aftersales import queries as aftersale_queries
from wxmall.aftersales.errors import AfterSaleError
from wxmall.aftersales.models import Kind, Reason
from wxmall.aftersales.models import Status as AfterSaleStatus
from wxmall.core.errors import DomainError
from wxmall.core.money import parse_yuan
from wxmall.fulfilment import queries as fulfilment_queries
from wxmall.orders import actions, queries
from wxmall.orders.errors import OrderError
from wxmall.orders.state import ActorKind, OrderStatus, next_statuses
from wxmall.payments import queries as payment_queries
from wxmall.pickup import queries as pickup_queries

from ..presenters import qr_svg
from .common import customer_required, not_found, refused

PAGE_SIZE = 10
S = OrderStatus
TABS = (
    ("", "全部"),
    (S.PENDING_PAYMENT, "待支付"),
    (S.PAID, "待发货"),
    (S.SHIPPED, "待收货"),
    (S.COMPLETED, "已完成"),
    (S.CANCELLED, "已取消"),
    (S.REFUND_REQUESTED, "退款中"),
    (S.REFUNDED, "已退款"),
)
# What the customer is told on the detail page, per status.
STATUS_HINTS = {
    S.PENDING_PAYMENT: "待支付 — 请使用微信支付",
    S.PAID: "已支付，商家正在备货，请耐心等待发货",
    S.SHIPPED: "商品已发出，请注意查收",
    S.DELIVERED: "商品已签收",
    S.COMPLETED: "交易已完成，感谢您的购买",
    S.CANCELLED: "订单已取消",
    S.REFUND_REQUESTED: "退款申请处理中，商家同意后原路退回",
    S.REFUNDED: "退款已完成",
}


@customer_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in OrderStatus.values:
        status = ""
    page = Paginator(queries.orders_for(request.user, status or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    ids = [order.pk for order in page.object_list]
    refunds, pickups = payment_queries.refund_totals(ids), pickup_queries.pickup_order_ids(ids)
    for order in page.object_list:
        order.refund_totals = refunds.get(order.pk)
        order.status_label = _status_label(order, order.pk in pickups)
    return render(
        request, "storefront/orders.html", {"tabs": TABS, "status": status, "page": page, "active_tab": "me"}
    )


# A pickup order is handed over at the store: what changes in the customer's words.
PICKUP_HINTS = {
    S.PAID: "已支付，请凭核销码到门店取货",
    S.COMPLETED: "已在门店取货，交易完成",
}
PICKUP_STATUS_LABELS = {S.PAID: "待自提"}


def _status_label(order, is_pickup: bool) -> str:
    return (PICKUP_STATUS_LABELS if is_pickup else {}).get(order.status, order.get_status_display())


def _detail_context(request: HttpRequest, order) -> dict:
    customer_moves = next_statuses(order.status, ActorKind.CUSTOMER, order.refund_from_status)
    pickup = pickup_queries.pickup_of(order)
    hints = STATUS_HINTS | PICKUP_HINTS if pickup else STATUS_HINTS
    # The code is shown only while it can still hand the goods over.
    live_code = pickup.code if pickup and pickup.code and not (pickup.verified_at or pickup.voided_at) else ""
    return {
        "order": order,
        "status_label": _status_label(order, pickup is not None),
        "pickup": pickup,
        "pickup_code": live_code,
        "pickup_qr": qr_svg(live_code) if live_code else "",
        "hint": hints.get(order.status, order.get_status_display()),
        "can_cancel": S.CANCELLED in customer_moves,
        "can_confirm": S.DELIVERED in customer_moves,
        "can_refund": S.REFUND_REQUESTED in customer_moves,
        "can_return": order.status in (S.SHIPPED, S.DELIVERED),
        "refund_kinds": Kind.choices,
        "refund_reasons": Reason.choices,
        "refunds": payment_queries.refunds_of(order),
        "shipments": fulfilment_queries.shipments_of(order),
        "aftersales": [
            (sale, aftersale_queries.customer_status(sale)) for sale in aftersale_queries.for_order(order)
        ],
        "awaiting_return": AfterSaleStatus.AWAITING_RETURN,
        "couriers": fulfilment_queries.couriers(),
        "active_tab": "me",
    }


@customer_required
@require_GET
def order_detail(request: HttpRequest, order_no: str) -> HttpResponse:
    try:
        order = queries.order_for(request.user, order_no)
    except DomainError:
        return not_found(request, "订单不存在")
    return render(request, "storefront/order_detail.html", _detail_context(request, order))


def _customer_move(request: HttpRequest, order_no: str, move, done: str) -> HttpResponse:
    try:
        move(request.user, order_no)
    except DomainError as error:
        if error.error is OrderError.NOT_FOUND:
            return not_found(request, "订单不存在")
        order = queries.order_for(request.user, order_no)
        return refused(request, error, "storefront/order_detail.html", _detail_context(request, order))
    messages.success(request, done)
    return redirect("storefront:order", order_no=order_no)


@customer_required
@require_POST
def cancel(request: HttpRequest, order_no: str) -> HttpResponse:
    return _customer_move(
        request,
        order_no,
        lambda user, no: actions.cancel_by_customer(user, no, reason="顾客取消订单"),
        "订单已取消",
    )


@customer_required
@require_POST
def confirm_received(request: HttpRequest, order_no: str) -> HttpResponse:
    return _customer_move(request, order_no, actions.confirm_received, "已确认收货")


@customer_required
@require_POST
def request_refund(request: HttpRequest, order_no: str) -> HttpResponse:
    """申请退款/退货: an after-sales request (type, reason, amount in yuan or blank for all, description, up
    to AFTERSALES_MAX_PHOTOS photos); the order moves to 退款中 and the merchant decides in the console."""
    post = request.POST
    raw_amount = post.get("amount", "").strip()[:32]
    amount = parse_yuan(raw_amount) if raw_amount else None

    def file(user, no):
        if raw_amount and amount is None:
            raise DomainError(AfterSaleError.INVALID_AMOUNT)
        return aftersale_actions.request(
            user,
            no,
            kind=post.get("kind", Kind.REFUND),
            reason=post.get("reason", ""),
            description=post.get("description", "")[:400],
            amount=amount,
            uploads=request.FILES.getlist("photos"),
        )

    return _customer_move(request, order_no, file, "售后申请已提交，处理进度请在本页查看")


@customer_required
@require_POST
def ship_return(request: HttpRequest, order_no: str, sale_id: int) -> HttpResponse:
    """The customer enters the tracking number of the goods they sent back."""
    return _customer_move(
        request,
        order_no,
        lambda user, no: aftersale_actions.ship_return(
            user,
            sale_id,
            courier_code=request.POST.get("courier", "")[:32],
            tracking_no=request.POST.get("tracking_no", "")[:64],
        ),
        "退货物流已提交，商家收货后退款",
    )
