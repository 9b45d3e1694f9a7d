"""Stock changes. Every change is one guarded UPDATE, so concurrent buyers can never drive stock below
zero and no read-then-write window exists. Call these inside the caller's transaction: a rollback
puts the stock back."""

from django.db.models import F

from .models import SKU


def take(sku_id: int, quantity: int) -> bool:
    """Decrement stock by `quantity` if that much is there. Returns False (and changes nothing) if not."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    return SKU.objects.filter(pk=sku_id, stock__gte=quantity).update(stock=F("stock") - quantity) == 1


def put_back(sku_id: int, quantity: int) -> None:
    """Return stock taken by an order that was cancelled or refunded before shipping."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    SKU.objects.filter(pk=sku_id).update(stock=F("stock") + quantity)


def adjust(sku_id: int, delta: int) -> bool:
    """Apply a stock correction made by staff (a delivery arrived: +n; a count found less: -n).

    A relative change rather than "set stock to N", so units sold between the moment the form was
    opened and the moment it was saved are not silently given back. A decrease that would go below
    zero changes nothing and returns False."""
    if delta == 0:
        return SKU.objects.filter(pk=sku_id).exists()
    if delta > 0:
        return SKU.objects.filter(pk=sku_id).update(stock=F("stock") + delta) == 1
    return SKU.objects.filter(pk=sku_id, stock__gte=-delta).update(stock=F("stock") + delta) == 1
