"""Read side for the console: the shop, its bindings, sync states, Store orders, drift log."""

from __future__ import annotations

from django.db.models import Count

from wxmall.catalog.models import Category, Product
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus

from .models import (
    CategoryMapping,
    StockDrift,
    StockRun,
    StoreAfterSale,
    StoreEvent,
    StoreOrder,
    StoreProduct,
)
from .shop import channels_limit, current_shop, restricted_hit


def overview() -> dict:
    shop = current_shop()
    mappings = {m.category_id: m for m in CategoryMapping.objects.all()}
    categories = [
        {
            "category": c,
            "mapping": mappings.get(c.pk),
            "restricted": bool(shop and c.pk in mappings and restricted_hit(shop, mappings[c.pk])),
        }
        for c in Category.objects.order_by("sort_order", "id")[:200]
    ]
    synced = StoreProduct.objects.select_related("product").order_by("-updated_at")[:200]
    unsynced = Product.objects.filter(store_listing__isnull=True).order_by("-id")[:50]
    return {
        "shop": shop,
        "limit": channels_limit(shop.shop_type) if shop else 0,
        "channels": list(shop.channels.order_by("bound_at")) if shop else [],
        "categories": categories,
        "products": synced,
        "unsynced": unsynced,
        "state_counts": dict(StoreProduct.objects.values_list("state").annotate(n=Count("pk"))),
        "orders": StoreOrder.objects.select_related("order").order_by("-created_at")[:50],
        "after_sales": StoreAfterSale.objects.select_related("store_order").order_by("-updated_at")[:50],
        "mp_orders": Order.objects.filter(
            status=OrderStatus.PAID, payments__method="miniprogram", payments__status="paid"
        ).distinct()[:50],
        "runs": StockRun.objects.all()[:10],
        "drifts": StockDrift.objects.select_related("store_sku__sku")[:50],
        "events_pending": StoreEvent.objects.filter(processed_at__isnull=True).count(),
        "events_failed": StoreEvent.objects.filter(processed_at__isnull=True).exclude(error="").count(),
    }
