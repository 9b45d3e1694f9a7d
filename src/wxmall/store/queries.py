"""Read side for the console: the shop, its bindings, sync states, Store orders, drift log."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from wxmall.catalog.models import Category, Product
from wxmall.orders.models import Order
from wxmall.orders.queries import BEIJING
from wxmall.orders.state import OrderStatus

from .models import (
    CategoryMapping,
    ShopType,
    StockDrift,
    StockRun,
    StoreAfterSale,
    StoreEvent,
    StoreOrder,
    StoreProduct,
)
from .shop import channels_limit, current_shop, restricted_hit, yuan


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
        "orders": _with_refund_forms(
            StoreOrder.objects.select_related("order")
            .prefetch_related("order__lines")
            .order_by("-created_at")[:50]
        ),
        "after_sales": StoreAfterSale.objects.select_related("store_order").order_by("-updated_at")[:50],
        "mp_orders": Order.objects.filter(
            status=OrderStatus.PAID, payments__method="miniprogram", payments__status="paid"
        ).distinct()[:50],
        "runs": StockRun.objects.all()[:10],
        "drifts": StockDrift.objects.select_related("store_sku__sku")[:50],
        "events_pending": StoreEvent.objects.filter(processed_at__isnull=True).count(),
        "events_failed": StoreEvent.objects.filter(processed_at__isnull=True).exclude(error="").count(),
        "takings": daily_takings(shop) if shop and shop.shop_type == ShopType.PERSONAL else None,
    }


WARN_PERCENT = 80


def daily_takings(shop, now: datetime | None = None) -> dict:
    """Today's (Beijing calendar day) paid Store takings of a personal shop against its daily card cap.
    Every payment made today counts, refunded or not: the bank card limit counts transactions."""
    now = (now or timezone.now()).astimezone(BEIJING)
    start = datetime.combine(now.date(), time.min, tzinfo=BEIJING)
    paid = (
        StoreOrder.objects.filter(
            shop=shop, order__paid_at__gte=start, order__paid_at__lt=start + timedelta(days=1)
        ).aggregate(total=Sum("order__total"))["total"]
        or 0
    )
    limit = settings.STORE_PERSONAL_DAILY_LIMIT_FEN
    percent = paid * 100 // limit
    level = "reached" if paid >= limit else "warn" if percent >= WARN_PERCENT else "ok"
    return {
        "paid": paid,
        "limit": limit,
        "percent": percent,
        "level": level,
        "paid_yuan": yuan(paid),
        "limit_yuan": yuan(limit),
        "single_limit_yuan": yuan(settings.STORE_PERSONAL_PAYMENT_LIMIT_FEN),
    }


REFUNDABLE = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def _with_refund_forms(store_orders) -> list:
    """Each refundable order gets a fresh request_id: WeChat's idempotency key for the refund form."""
    rows = list(store_orders)
    for so in rows:
        so.refund_request_id = uuid.uuid4().hex if so.order.status in REFUNDABLE else ""
    return rows
