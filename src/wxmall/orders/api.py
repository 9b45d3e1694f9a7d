"""/api/orders: the signed-in customer's own orders. Session auth (CSRF token required on POST: cookie
`csrftoken` + header `X-CSRFToken`). Another customer's order number answers 404 like an unknown one."""

from __future__ import annotations

from typing import Annotated

from ninja import Router, Schema
from ninja.security import django_auth
from pydantic import Field

from wxmall.core.schemas import AUTH_READ, AUTH_WRITE, BODY, errors
from wxmall.core.validation import MAX_ID, Text

from . import actions, queries
from .schemas import OrderDetailOut, OrderSummaryOut, order_detail, order_summary

router = Router(auth=django_auth, tags=["orders"])

MAX_LIST = 100
# Order numbers are short letters and digits; anything longer cannot be one (answered 404 below it).
OrderNo = Annotated[str, Field(min_length=1, max_length=64)]


@router.get("/", response={200: list[OrderSummaryOut], **errors(*AUTH_READ)}, summary="我的订单")
def list_orders(
    request,
    status: Annotated[str, Field(max_length=32)] | None = None,
    limit: Annotated[int, Field(ge=-MAX_ID - 1, le=MAX_ID)] = 50,
):
    orders = queries.orders_for(request.auth, status=status)[: max(1, min(limit, MAX_LIST))]
    return [order_summary(order) for order in orders]


@router.get("/{order_no}", response={200: OrderDetailOut, **errors(*AUTH_READ, 404)}, summary="订单详情")
def get_order(request, order_no: OrderNo):
    return order_detail(queries.order_for(request.auth, order_no))


class CancelIn(Schema):
    reason: Text(500) = ""  # the order event keeps the first 200


@router.post(
    "/{order_no}/cancel",
    response={200: OrderDetailOut, **errors(*AUTH_WRITE, 404, 409, *BODY)},
    summary="取消待支付订单",
)
def cancel_order(request, order_no: OrderNo, payload: CancelIn | None = None):
    actions.cancel_by_customer(request.auth, order_no, reason=payload.reason if payload else "")
    return order_detail(queries.order_for(request.auth, order_no))


@router.post(
    "/{order_no}/confirm-received",
    response={200: OrderDetailOut, **errors(*AUTH_WRITE, 404, 409)},
    summary="确认收货",
)
def confirm_received(request, order_no: OrderNo):
    actions.confirm_received(request.auth, order_no)
    return order_detail(queries.order_for(request.auth, order_no))
