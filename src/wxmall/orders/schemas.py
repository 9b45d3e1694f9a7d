"""JSON shapes of orders, shared by /api/orders and the order placement endpoint of /api/checkout.
Amounts are integer fen; `*_display` fields are the same amounts as yuan strings for showing."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema

from wxmall.core.money import yuan

from .models import Order
from .state import ActorKind, OrderStatus


class OrderLineOut(Schema):
    sku_id: int
    product_title: str
    spec_label: str
    image: str
    unit_price: int
    quantity: int
    line_total: int
    flash_sale_id: int | None


class OrderEventOut(Schema):
    from_status: str
    to_status: str
    to_status_label: str
    actor_kind: str
    actor_kind_label: str
    reason: str
    created_at: datetime


class OrderSummaryOut(Schema):
    order_no: str
    status: str
    status_label: str
    subtotal: int
    discount: int
    points_used: int
    points_discount: int  # fen
    shipping_fee: int
    total: int
    total_display: str
    item_count: int
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    lines: list[OrderLineOut]


class ShippingOut(Schema):
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


class OrderDetailOut(OrderSummaryOut):
    coupon_code: str | None
    note: str
    shipping: ShippingOut  # the owner's own address, unmasked (only ever sent to the owner)
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    events: list[OrderEventOut]


def _lines(order: Order) -> list[dict]:
    return [
        {
            "sku_id": line.sku_id,
            "product_title": line.product_title,
            "spec_label": line.spec_label,
            "image": line.image,
            "unit_price": line.unit_price,
            "quantity": line.quantity,
            "line_total": line.line_total,
            "flash_sale_id": line.flash_sale_id,
        }
        for line in order.lines.all()
    ]


def order_summary(order: Order) -> dict:
    lines = _lines(order)
    return {
        "order_no": order.order_no,
        "status": order.status,
        "status_label": OrderStatus(order.status).label,
        "subtotal": order.subtotal,
        "discount": order.discount,
        "points_used": order.points_used,
        "points_discount": order.points_discount,
        "shipping_fee": order.shipping_fee,
        "total": order.total,
        "total_display": yuan(order.total),
        "item_count": sum(line["quantity"] for line in lines),
        "created_at": order.created_at,
        "expires_at": order.expires_at,
        "paid_at": order.paid_at,
        "lines": lines,
    }


def order_detail(order: Order) -> dict:
    return {
        **order_summary(order),
        "coupon_code": order.coupon.code if order.coupon_id else None,
        "note": order.note,
        "shipping": {
            "recipient": order.ship_recipient,
            "phone": order.ship_phone,
            "province": order.ship_province,
            "city": order.ship_city,
            "district": order.ship_district,
            "detail": order.ship_detail,
        },
        "shipped_at": order.shipped_at,
        "delivered_at": order.delivered_at,
        "completed_at": order.completed_at,
        "cancelled_at": order.cancelled_at,
        "events": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "to_status_label": OrderStatus(e.to_status).label,
                "actor_kind": e.actor_kind,
                "actor_kind_label": ActorKind(e.actor_kind).label,
                "reason": e.reason,
                "created_at": e.created_at,
            }
            for e in order.events.all()
        ],
    }
