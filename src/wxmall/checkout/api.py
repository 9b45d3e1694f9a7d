"""/api/checkout: cart, quote, order placement, coupons, flash sales and the address book of the
signed-in customer.

Auth is the Django session. Because a session cookie is sent by the browser on its own, every unsafe
request must also carry the CSRF token: GET /api/checkout/session sets the `csrftoken` cookie and returns
the token; send it back as the `X-CSRFToken` header (pages rendered by Django already have the cookie).

Prices are never taken from the client: a `price`-like field in an order or quote body is refused with
400 price_not_accepted rather than silently ignored, so a tampering client learns nothing works."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.middleware.csrf import get_token
from ninja import Router, Schema, Status
from ninja.security import SessionAuth as _NinjaSessionAuth
from ninja.security import django_auth
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField

from wxmall.accounts import actions as accounts
from wxmall.accounts import queries as account_queries
from wxmall.core.errors import CommonError, DomainError
from wxmall.core.money import yuan
from wxmall.core.schemas import AUTH_READ, AUTH_WRITE, BODY, errors
from wxmall.core.validation import MAX_ID, Flag, Id, PathId, StrictInt64, Text
from wxmall.orders.schemas import OrderDetailOut, order_detail
from wxmall.pickup import queries as pickup_queries

from . import actions, admission, queries
from .actions import NOTE_MAX_LENGTH
from .errors import CheckoutError

router = Router(auth=django_auth, tags=["checkout"])

# Field names a client might use to smuggle in an amount.
_PRICE_WORDS = ("price", "amount", "total", "subtotal", "discount", "fee", "cost")


class _OpenBody(BaseModel):
    """A request body that keeps unknown fields (plain pydantic: ninja's Schema drops them), so they can
    be refused by name below instead of silently ignored."""

    model_config = ConfigDict(extra="allow")


def _refuse_extras(*schemas: BaseModel) -> None:
    for schema in schemas:
        extra = schema.model_extra or {}
        if any(word in name.lower() for name in extra for word in _PRICE_WORDS):
            raise DomainError(CheckoutError.PRICE_NOT_ACCEPTED)
        if extra:
            # Names only, bounded: a client-chosen key is input like any other.
            raise DomainError(CommonError.INVALID_REQUEST, unknown_fields=sorted(n[:40] for n in extra)[:10])


# --- session ------------------------------------------------------------------------------------------
class SessionOut(Schema):
    authenticated: bool
    csrf_token: str


@router.get("/session", auth=None, response=SessionOut, summary="CSRF 令牌与登录状态")
def session(request):
    return {"authenticated": request.user.is_authenticated, "csrf_token": get_token(request)}


# --- cart ---------------------------------------------------------------------------------------------
class CartLineOut(Schema):
    sku_id: int
    product_id: int
    title: str
    spec_label: str
    image: str
    unit_price: int
    list_price: int
    quantity: int
    line_total: int
    stock: int
    available: bool
    problem: str


class CartOut(Schema):
    lines: list[CartLineOut]
    subtotal: int
    subtotal_display: str
    count: int
    has_problems: bool


def _cart(user) -> dict:
    cart = queries.cart_for(user)
    return {
        "lines": [{**line.__dict__, "line_total": line.line_total} for line in cart.lines],
        "subtotal": cart.subtotal,
        "subtotal_display": yuan(cart.subtotal),
        "count": cart.count,
        "has_problems": cart.has_problems,
    }


class CartItemIn(_OpenBody):
    sku_id: Id
    quantity: StrictInt64 = 1


class QuantityIn(_OpenBody):
    quantity: StrictInt64


@router.get("/cart", response={200: CartOut, **errors(*AUTH_READ)}, summary="购物车")
def get_cart(request):
    return _cart(request.auth)


@router.post(
    "/cart/items",
    response={201: CartOut, **errors(*AUTH_WRITE, 404, 409, *BODY)},
    summary="加入购物车（数量累加）",
)
def add_cart_item(request, payload: CartItemIn):
    _refuse_extras(payload)
    actions.add_to_cart(request.auth, payload.sku_id, payload.quantity)
    return Status(201, _cart(request.auth))


@router.put(
    "/cart/items/{sku_id}",
    response={200: CartOut, **errors(*AUTH_WRITE, 404, 409, *BODY)},
    summary="修改购物车数量",
)
def set_cart_item(request, sku_id: PathId, payload: QuantityIn):
    _refuse_extras(payload)
    actions.set_cart_quantity(request.auth, sku_id, payload.quantity)
    return _cart(request.auth)


@router.delete(
    "/cart/items/{sku_id}", response={200: CartOut, **errors(*AUTH_WRITE, 404)}, summary="移出购物车"
)
def remove_cart_item(request, sku_id: PathId):
    actions.remove_from_cart(request.auth, sku_id)
    return _cart(request.auth)


@router.delete("/cart", response={200: CartOut, **errors(*AUTH_WRITE)}, summary="清空购物车")
def clear_cart(request):
    actions.clear_cart(request.auth)
    return _cart(request.auth)


# --- quote and order ----------------------------------------------------------------------------------
class ItemIn(_OpenBody):
    sku_id: Id
    quantity: StrictInt64


MAX_POINTS_INPUT = 100_000_000
# A stored code has at most 32 characters; a longer one up to this bound is simply not found.
COUPON_CODE_MAX_INPUT = 512


class QuoteIn(_OpenBody):
    items: list[ItemIn] | None = PydanticField(None, max_length=100)  # omitted: the cart
    coupon_code: Text(COUPON_CODE_MAX_INPUT) | None = None
    flash_sale_id: Id | None = None
    # Store pickup (门店自提, an id from GET /api/pickup/stores): no shipping address, no shipping fee.
    pickup_store_id: Id | None = None
    # The saved address the order would ship to: freight comes from its province's templates (omitted: the
    # templates' catch-all rules; another customer's address is 404).
    address_id: Id | None = None
    # Points to spend (POINTS_VALUE_FEN fen each), at most `points_max` of a quote without them.
    points: Annotated[int, PydanticField(strict=True, ge=0, le=MAX_POINTS_INPUT)] = 0


class QuoteLineOut(Schema):
    sku_id: int
    title: str
    spec_label: str
    unit_price: int
    quantity: int
    line_total: int
    in_stock: bool
    flash_sale_id: int | None


class QuoteOut(Schema):
    lines: list[QuoteLineOut]
    subtotal: int
    discount: int
    shipping_fee: int
    total: int
    total_display: str
    coupon_code: str
    coupon_applied: bool
    coupon_problem: str | None  # error code, e.g. coupon_threshold_not_met
    coupon_message: str
    problems: list[str]
    points: int  # points spent
    points_discount: int  # fen
    points_balance: int  # the customer's balance
    points_max: int  # the most points this order may use


def _items(payload) -> list[tuple[int, int]] | None:
    if payload.items is None:
        return None
    _refuse_extras(*payload.items)
    return [(item.sku_id, item.quantity) for item in payload.items]


@router.post(
    "/quote",
    response={200: QuoteOut, **errors(*AUTH_WRITE, 404, 409, *BODY)},
    summary="计算订单金额（不下单）",
)
def quote(request, payload: QuoteIn):
    _refuse_extras(payload)
    if payload.pickup_store_id is not None:
        pickup_queries.active_store(payload.pickup_store_id)  # a closed or unknown store: 404
    address = None if payload.address_id is None else accounts.own_address(request.auth, payload.address_id)
    q = queries.quote(
        request.auth,
        _items(payload),
        payload.coupon_code,
        payload.flash_sale_id,
        points=payload.points,
        pickup=payload.pickup_store_id is not None,
        province=address.province if address else "",
    )
    return {
        "lines": [
            {
                "sku_id": line.sku.pk,
                "title": line.sku.product.title,
                "spec_label": line.sku.spec_label,
                "unit_price": line.unit_price,
                "quantity": line.quantity,
                "line_total": line.line_total,
                "in_stock": line.in_stock,
                "flash_sale_id": line.flash_sale.pk if line.flash_sale else None,
            }
            for line in q.lines
        ],
        "subtotal": q.subtotal,
        "discount": q.discount,
        "shipping_fee": q.shipping_fee,
        "total": q.total,
        "total_display": yuan(q.total),
        "coupon_code": q.coupon_code,
        "coupon_applied": q.coupon is not None,
        "coupon_problem": q.coupon_problem.code if q.coupon_problem else None,
        "coupon_message": q.coupon_message,
        "problems": q.problems,
        "points": q.points,
        "points_discount": q.points_discount,
        "points_balance": q.points_balance,
        "points_max": q.points_max,
    }


class PlaceOrderIn(QuoteIn):
    address_id: Id | None = None  # exactly one of address_id and pickup_store_id
    from_cart: Flag = False
    note: Text(NOTE_MAX_LENGTH, multiline=True) = ""
    idempotency_key: Text(64) | None = None


@router.post(
    "/orders",
    response={200: OrderDetailOut, 201: OrderDetailOut, **errors(*AUTH_WRITE, 404, 409, *BODY)},
    summary="提交订单（快递 address_id 或门店自提 pickup_store_id 二选一；重复提交同一 idempotency_key 返回同一订单，状态码 200）",
)
def place_order(request, payload: PlaceOrderIn):
    _refuse_extras(payload)
    items = _items(payload)
    order = actions.place_order(
        request.auth,
        items=items,
        address_id=payload.address_id,
        pickup_store_id=payload.pickup_store_id,
        coupon_code=payload.coupon_code,
        flash_sale_id=payload.flash_sale_id,
        note=payload.note,
        from_cart=payload.from_cart,
        idempotency_key=payload.idempotency_key,
        points=payload.points,
    )
    return Status(200 if order.replayed else 201, order_detail(order))


# --- coupons and flash sales --------------------------------------------------------------------------
class CouponOut(Schema):
    code: str
    name: str
    kind: str
    value: int
    threshold: int
    description: str
    ends_at: datetime
    discount: int
    applicable: bool
    reason: str


@router.get("/coupons", response={200: list[CouponOut], **errors(*AUTH_READ)}, summary="我可用的优惠券")
def coupons(request, subtotal: Annotated[int, PydanticField(ge=0, le=MAX_ID)] = 0):
    return [
        {
            "code": o.coupon.code,
            "name": o.coupon.name,
            "kind": o.coupon.kind,
            "value": o.coupon.value,
            "threshold": o.coupon.threshold,
            "description": o.coupon.describe,
            "ends_at": o.coupon.ends_at,
            "discount": o.discount,
            "applicable": o.applicable,
            "reason": o.reason,
        }
        for o in queries.available_coupons(request.auth, max(subtotal, 0))
    ]


class FlashSaleOut(Schema):
    id: int
    title: str
    sku_id: int
    product_id: int
    product_title: str
    spec_label: str
    image: str
    price: int
    regular_price: int
    quota: int
    remaining: int
    per_user_limit: int
    starts_at: datetime
    ends_at: datetime


@router.get("/flash-sales", auth=None, response=list[FlashSaleOut], summary="进行中的秒杀")
def flash_sales(request):
    return [
        {
            "id": f.pk,
            "title": f.title,
            "sku_id": f.sku_id,
            "product_id": f.sku.product_id,
            "product_title": f.sku.product.title,
            "spec_label": f.sku.spec_label,
            "image": f.sku.product.cover,
            "price": f.price,
            "regular_price": f.sku.price,
            "quota": f.quota,
            "remaining": f.remaining,
            "per_user_limit": f.per_user_limit,
            "starts_at": f.starts_at,
            "ends_at": f.ends_at,
        }
        for f in queries.active_flash_sales()
    ]


# --- flash-sale tickets ---------------------------------------------------------------------------------
TicketId = Annotated[str, PydanticField(pattern=r"^[0-9a-f]{32}$", min_length=32, max_length=32)]


class FlashTicketIn(_OpenBody):
    address_id: Id
    quantity: StrictInt64 = 1
    idempotency_key: Text(64) | None = None


class FlashTicketOut(Schema):
    ticket: str
    status: str  # queued | ordered | failed | released
    order_no: str
    code: str  # why it failed (an error code); "" otherwise
    message: str


class SessionAuth(_NinjaSessionAuth):  # the same name: the same OpenAPI security scheme
    """Admission's auth in a rush: the customer's id from the session, vouched for by
    `accounts.queries.session_customer_id` (no database read while the account is cached). Queued mode
    only, where admission needs nothing but the id; anything else takes Django's usual path."""

    def authenticate(self, request, key):
        if admission.queued_mode():
            user_id = account_queries.session_customer_id(request)
            if user_id is not None:
                return admission.Customer(user_id)
        return super().authenticate(request, key)


def _ticket(t) -> dict:
    return {"ticket": t.id, "status": t.status, "order_no": t.order_no, "code": t.code, "message": t.message}


@router.post(
    "/flash-sales/{flash_sale_id}/tickets",
    response={
        200: FlashTicketOut,
        201: FlashTicketOut,
        202: FlashTicketOut,
        **errors(*AUTH_WRITE, 404, 409, 503, *BODY),
    },
    summary="秒杀抢购：立即返回排队凭证（202 排队中；201 已直接下单；200 重复提交同一 idempotency_key）",
    auth=SessionAuth(),
)
def admit_flash_sale(request, flash_sale_id: PathId, payload: FlashTicketIn):
    _refuse_extras(payload)
    ticket = admission.admit(
        request.auth,
        flash_sale_id,
        address_id=payload.address_id,
        quantity=payload.quantity,
        idempotency_key=payload.idempotency_key,
    )
    status = 200 if ticket.replayed else 202 if ticket.status == "queued" else 201
    return Status(status, _ticket(ticket))


@router.get(
    "/flash-tickets/{ticket}",
    response={200: FlashTicketOut, **errors(*AUTH_READ, 404)},
    summary="秒杀排队进度（排队中 / 已下单 / 失败）",
)
def flash_ticket(request, ticket: TicketId):
    return _ticket(admission.status(request.auth, ticket))


# --- address book -------------------------------------------------------------------------------------
class AddressIn(Schema):
    # Upper bounds as the address book's; whether a value is acceptable (phone format, minimum lengths)
    # is decided by the action, which answers invalid_address.
    recipient: Text(32)
    phone: Text(20)
    province: Text(32)
    city: Text(32)
    district: Text(32) = ""
    detail: Text(120)
    is_default: Flag = False


class AddressOut(Schema):
    id: int
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool


def _address(a) -> dict:
    return {
        "id": a.pk,
        "recipient": a.recipient,
        "phone": a.phone,
        "province": a.province,
        "city": a.city,
        "district": a.district,
        "detail": a.detail,
        "is_default": a.is_default,
    }


@router.get("/addresses", response={200: list[AddressOut], **errors(*AUTH_READ)}, summary="收货地址")
def list_addresses(request):
    return [_address(a) for a in account_queries.addresses_for(request.auth)]


@router.post(
    "/addresses", response={201: AddressOut, **errors(*AUTH_WRITE, 409, *BODY)}, summary="新增收货地址"
)
def add_address(request, payload: AddressIn):
    return Status(201, _address(accounts.add_address(request.auth, **payload.dict())))


@router.put(
    "/addresses/{address_id}",
    response={200: AddressOut, **errors(*AUTH_WRITE, 404, *BODY)},
    summary="修改收货地址",
)
def update_address(request, address_id: PathId, payload: AddressIn):
    data = payload.dict()
    is_default = data.pop("is_default")
    return _address(accounts.update_address(request.auth, address_id, is_default=is_default, **data))


@router.post(
    "/addresses/{address_id}/default",
    response={200: AddressOut, **errors(*AUTH_WRITE, 404)},
    summary="设为默认地址",
)
def default_address(request, address_id: PathId):
    return _address(accounts.set_default_address(request.auth, address_id))


@router.delete(
    "/addresses/{address_id}", response={204: None, **errors(*AUTH_WRITE, 404)}, summary="删除收货地址"
)
def delete_address(request, address_id: PathId):
    accounts.delete_address(request.auth, address_id)
    return Status(204, None)
