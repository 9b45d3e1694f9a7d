"""What the store app does when a local order moves (registered in StoreConfig.ready)."""

from __future__ import annotations

from wxmall.catalog import stock
from wxmall.core.errors import DomainError

from .errors import StoreError
from .models import StoreOrder

STORE_SHIPPED = 21  # Store statuses ≥ 21 mean the Store already knows it shipped


def send_delivery(order, from_status: str, to_status: str) -> None:
    """A Store order shipped here: its parcel goes to the Store (`delivery/send`) through the outbox.
    Shipping a Store order without a waybill (e.g. from the generic order page) is refused: the Store
    would never learn about it. A shipment the Store reported itself is not sent back."""
    so = StoreOrder.objects.filter(order_id=order.pk).first()
    if so is None:
        from .actions.orders import queue_mp_shipping

        queue_mp_shipping(order)  # a Mini Program order shipped from the console: report it to WeChat
        return
    if so.store_status >= STORE_SHIPPED:
        return
    if not so.delivery:
        raise DomainError(StoreError.WAYBILL_REQUIRED)
    from .actions.orders import queue_delivery

    queue_delivery(so)


def settle_short_stock(order, from_status: str, to_status: str) -> None:
    """Units a Store order could not take from local stock (sold out here meanwhile) were never taken,
    so checkout's release (which runs first) must not have given them back: take them again."""
    so = StoreOrder.objects.filter(order_id=order.pk).first()
    short = (so.source or {}).get("stock_short") if so else None
    if not short:
        return
    for sku_id, quantity in order.lines.filter(sku_id__in=short).values_list("sku_id", "quantity"):
        stock.take(sku_id, quantity, origin="wechat_store")
