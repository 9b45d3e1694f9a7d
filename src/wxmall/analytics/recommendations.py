""" "Bought together" recommendations from purchase records: item-item co-occurrence in paid orders.

`refresh` (a daily beat task) counts, for every pair of products, the paid orders that contain both
(from RECOMMENDATION_WINDOW_DAYS back), keeps the RECOMMENDATIONS_PER_PRODUCT most frequent partners of
each product that are still on sale, and replaces the table in one transaction (pages never see it half
written). The product and cart pages show them; their click-through rate (rec_click ÷ rec_view events)
is on the analytics dashboard."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from itertools import combinations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wxmall.catalog.models import Product
from wxmall.orders.models import OrderLine

from .models import Recommendation


def refresh() -> int:
    since = timezone.now() - timedelta(days=settings.RECOMMENDATION_WINDOW_DAYS)
    baskets: dict[int, set[int]] = defaultdict(set)
    lines = OrderLine.objects.filter(order__paid_at__gte=since).values_list("order_id", "sku__product_id")
    for order_id, product_id in lines.iterator(chunk_size=5000):
        baskets[order_id].add(product_id)
    pairs: Counter = Counter()
    for products in baskets.values():
        for a, b in combinations(sorted(products), 2):
            pairs[(a, b)] += 1
    on_sale = set(Product.objects.filter(is_listed=True).values_list("pk", flat=True))
    partners: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (a, b), support in pairs.items():
        if b in on_sale:
            partners[a].append((support, b))
        if a in on_sale:
            partners[b].append((support, a))
    rows = [
        Recommendation(product_id=product, recommended_id=other, support=support, rank=rank)
        for product, found in partners.items()
        for rank, (support, other) in enumerate(
            sorted(found, key=lambda p: (-p[0], p[1]))[: settings.RECOMMENDATIONS_PER_PRODUCT]
        )
    ]
    with transaction.atomic():
        Recommendation.objects.all().delete()
        Recommendation.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def for_products(product_ids: list[int], limit: int = 6) -> list[Product]:
    """Products bought together with any of `product_ids` (not those themselves), best first."""
    found = (
        Recommendation.objects.filter(product_id__in=product_ids, recommended__is_listed=True)
        .exclude(recommended_id__in=product_ids)
        .select_related("recommended")
        .order_by("-support", "rank", "recommended_id")
    )
    seen, products = set(), []
    for row in found[: limit * 4]:
        if row.recommended_id not in seen:
            seen.add(row.recommended_id)
            products.append(row.recommended)
        if len(products) == limit:
            break
    return products
