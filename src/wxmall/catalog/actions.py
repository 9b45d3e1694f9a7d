"""State changes of the catalogue. Each is one statement or one transaction, safe under concurrency."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Min, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import SKU, Product


def _cheapest_active_price():
    """Correlated subquery: the lowest price among the outer product's active SKUs (NULL if none)."""
    return Subquery(
        SKU.objects.filter(product=OuterRef("pk"), is_active=True)
        .order_by()
        .values("product")
        .annotate(lowest=Min("price"))
        .values("lowest")[:1]
    )


def refresh_min_price(product_id: int) -> None:
    """Recompute `Product.min_price` from its active SKUs (0 when it has none).

    One UPDATE with a subquery, so it reads the SKUs as they are at that moment: two admins saving
    SKUs of the same product at once cannot leave a stale minimum behind, whichever runs last."""
    Product.objects.filter(pk=product_id).update(min_price=Coalesce(_cheapest_active_price(), 0))


def refresh_all_min_prices() -> int:
    """The same for every product in one statement (data loads, repairs). Returns the rows updated."""
    return Product.objects.update(min_price=Coalesce(_cheapest_active_price(), 0))


def set_listed(product_ids: Iterable[int], listed: bool) -> int:
    """List (上架) or delist (下架) products. Returns how many actually changed state."""
    with transaction.atomic():
        return (
            Product.objects.filter(pk__in=list(product_ids))
            .exclude(is_listed=listed)
            .update(is_listed=listed)
        )
