"""/api/pickup: the stores a customer may collect an order at, and the pickup of one of their own orders
(its store and, once paid, its 核销码). Session auth for the order; the store list is public."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Router, Schema
from ninja.security import django_auth
from pydantic import Field

from wxmall.core.errors import DomainError
from wxmall.core.schemas import AUTH_READ, errors
from wxmall.orders import queries as order_queries

from . import queries
from .errors import PickupError

router = Router(tags=["pickup"])
OrderNo = Annotated[str, Field(min_length=1, max_length=64)]


class StoreOut(Schema):
    id: int
    name: str
    address: str
    hours: str
    phone: str


class PickupOut(Schema):
    order_no: str
    store: StoreOut  # as it was when the order was placed
    code: str | None  # 12 digits once the order is paid; null before, and after it is voided
    verified_at: datetime | None
    voided: bool


@router.get("/stores", response=list[StoreOut], summary="可选的自提门店")
def stores(request):
    return [
        {"id": s.pk, "name": s.name, "address": s.address, "hours": s.hours, "phone": s.phone}
        for s in queries.active_stores()
    ]


@router.get(
    "/orders/{order_no}",
    auth=django_auth,
    response={200: PickupOut, **errors(*AUTH_READ, 404)},
    summary="我的自提订单（门店与核销码）",
)
def order_pickup(request, order_no: OrderNo):
    order = order_queries.order_for(request.auth, order_no)  # another customer's order: 404
    pickup = queries.pickup_of(order)
    if pickup is None:
        raise DomainError(PickupError.NOT_PICKUP)
    return {
        "order_no": order.order_no,
        "store": {
            "id": pickup.store_id,
            "name": pickup.store_name,
            "address": pickup.store_address,
            "hours": pickup.store_hours,
            "phone": pickup.store_phone,
        },
        "code": None if pickup.voided_at else pickup.code,
        "verified_at": pickup.verified_at,
        "voided": pickup.voided_at is not None,
    }
