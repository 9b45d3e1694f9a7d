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


def refresh_search_text(product_id: int) -> None:
    """Recompute `Product.search_text` from the spec sheet and the active SKUs' extra specs."""
    product = Product.objects.filter(pk=product_id).values("specs").first()
    if product is None:
        return
    values = [str(v) for v in (product["specs"] or {}).values()]
    for extra in SKU.objects.filter(product_id=product_id, is_active=True).values_list(
        "extra_specs", flat=True
    ):
        values += [str(v) for v in (extra or {}).values()]
    Product.objects.filter(pk=product_id).update(
        search_text=" / ".join(dict.fromkeys(v for v in values if v))
    )


def refresh_product(product_id: int) -> None:
    """Everything denormalised from a product's SKUs: call after any SKU or spec change."""
    refresh_min_price(product_id)
    refresh_search_text(product_id)


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
