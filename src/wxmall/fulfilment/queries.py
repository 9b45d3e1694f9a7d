"""Read side of fulfilment: the courier list, what of an order is still to ship, its parcels for the
customer's order page, and the console's list of orders waiting to ship."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db.models import Count, Sum

from wxmall.orders.models import Order, OrderLine
from wxmall.orders.state import OrderStatus

from .models import FreightTemplate, Shipment, ShipmentLine, StoreCourier

COURIERS_FILE = Path(__file__).resolve().parent / "data" / "couriers.json"


@cache
def builtin_couriers() -> tuple[tuple[str, str], ...]:
    """Common Chinese couriers with the codes WeChat's delivery company lists use (`data/couriers.json`)."""
    return tuple((code, name) for code, name in json.loads(COURIERS_FILE.read_text(encoding="utf-8")))


def couriers() -> list[tuple[str, str]]:
    """(code, name) pairs staff pick from: the WeChat Store's list once synced, else the built-in one."""
    synced = list(StoreCourier.objects.values_list("code", "name"))
    return synced or list(builtin_couriers())


def courier_name(code: str) -> str | None:
    return dict(couriers()).get(code)


@dataclass(frozen=True)
class LineToShip:
    line: OrderLine
    shipped: int

    @property
    def remaining(self) -> int:
        return self.line.quantity - self.shipped


def lines_to_ship(order: Order) -> list[LineToShip]:
    shipped = dict(
        ShipmentLine.objects.filter(order_line__order=order)
        .values("order_line_id")
        .annotate(n=Sum("quantity"))
        .values_list("order_line_id", "n")
    )
    return [LineToShip(line, shipped.get(line.pk, 0)) for line in order.lines.select_related("sku")]


def shipments_of(order: Order) -> list[Shipment]:
    return list(order.shipments.prefetch_related("lines__order_line"))


def awaiting_shipment():
    """Paid orders not yet fully shipped, oldest payment first, with how many parcels left already."""
    return (
        Order.objects.filter(status=OrderStatus.PAID, pickup__isnull=True)
        .annotate(parcels=Count("shipments"))
        .select_related("user")
        .order_by("paid_at", "id")
    )


def templates():
    return FreightTemplate.objects.prefetch_related("rules").annotate(product_count=Count("products"))
