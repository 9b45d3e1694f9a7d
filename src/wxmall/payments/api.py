"""/api/payments: Mini Program pay parameters for the signed-in customer, and refunds for staff.
Session auth (CSRF token required on POST: cookie `csrftoken` + header `X-CSRFToken`)."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Router, Schema
from ninja.security import django_auth

from wxmall.accounts.queries import openid_for
from wxmall.core.errors import CommonError, DomainError
from wxmall.core.schemas import AUTH_WRITE, BODY, errors
from wxmall.core.validation import Text
from wxmall.orders.models import Order

from . import actions, wechatpay
from .config import pay_config
from .errors import PaymentError
from .models import PayMethod

router = Router(auth=django_auth, tags=["payments"])
OrderNo = Annotated[str, Field(min_length=1, max_length=64)]  # longer cannot be one: 404 below it


class RequestPaymentOut(Schema):
    """The fields of `wx.requestPayment` (appId is signed but not passed by the Mini Program)."""

    timeStamp: str  # noqa: N815 (WeChat's field names)
    nonceStr: str  # noqa: N815
    package: str
    signType: str  # noqa: N815
    paySign: str  # noqa: N815


class RefundIn(Schema):
    amount: int | None = Field(None, strict=True, ge=1, le=100_000_000, description="fen; omitted: all left")
    reason: Text(80) = ""


class RefundOut(Schema):
    out_refund_no: str
    amount: int
    status: str
    completes_order: bool


@router.post(
    "/orders/{order_no}/miniprogram",
    response={200: RequestPaymentOut, **errors(*AUTH_WRITE, 404, 409, 502)},
    summary="小程序支付参数（wx.requestPayment）",
)
def miniprogram_pay(request, order_no: OrderNo):
    if not Order.objects.filter(order_no=order_no, user=request.auth).exists():
        raise DomainError(PaymentError.NOT_FOUND)
    appid = pay_config().mp_appid
    if not appid:
        raise DomainError(PaymentError.METHOD_UNAVAILABLE)
    openid = openid_for(request.auth, appid) or ""
    payment = actions.start_payment(order_no, request.auth, PayMethod.MINIPROGRAM, openid=openid)
    params = wechatpay.invocation(pay_config(), appid, payment.prepay_id)
    params.pop("appId")
    return params


@router.post(
    "/orders/{order_no}/refunds",
    response={200: RefundOut, **errors(*AUTH_WRITE, 404, 409, 502, *BODY)},
    summary="商家退款（全额或部分）",
)
def refund(request, order_no: OrderNo, payload: RefundIn):
    if not request.auth.is_staff:
        raise DomainError(CommonError.PERMISSION_DENIED)
    order_id = Order.objects.filter(order_no=order_no).values_list("pk", flat=True).first()
    if order_id is None:
        raise DomainError(PaymentError.NOT_FOUND)
    made = actions.refund_order(order_id, payload.amount, payload.reason or "商家退款", staff=request.auth)
    return RefundOut(
        out_refund_no=made.out_refund_no,
        amount=made.amount,
        status=made.status,
        completes_order=made.completes_order,
    )
