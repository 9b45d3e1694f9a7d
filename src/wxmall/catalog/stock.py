"""Stock changes. Every change is one guarded UPDATE, so concurrent buyers can never drive stock below
zero and no read-then-write window exists. Call these inside the caller's transaction: a rollback
puts the stock back."""

from django.db.models import F

from .events import stock_changed
from .models import SKU


def _changed(sku_id: int, delta: int, origin: str) -> None:
    stock_changed.send(sender=SKU, sku_id=sku_id, delta=delta, origin=origin)


def take(sku_id: int, quantity: int, *, origin: str = "") -> bool:
    """Decrement stock by `quantity` if that much is there. Returns False (and changes nothing) if not."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    taken = SKU.objects.filter(pk=sku_id, stock__gte=quantity).update(stock=F("stock") - quantity) == 1
    if taken:
        _changed(sku_id, -quantity, origin)
    return taken


def put_back(sku_id: int, quantity: int, *, origin: str = "") -> None:
    """Return stock taken by an order that was cancelled or refunded before shipping."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    if SKU.objects.filter(pk=sku_id).update(stock=F("stock") + quantity):
        _changed(sku_id, quantity, origin)


def adjust(sku_id: int, delta: int) -> bool:
    """Apply a stock correction made by staff (a delivery arrived: +n; a count found less: -n).

    A relative change rather than "set stock to N", so units sold between the moment the form was
    opened and the moment it was saved are not silently given back. A decrease that would go below
    zero changes nothing and returns False."""
    if delta == 0:
        return SKU.objects.filter(pk=sku_id).exists()
    if delta > 0:
        done = SKU.objects.filter(pk=sku_id).update(stock=F("stock") + delta) == 1
    else:
        done = SKU.objects.filter(pk=sku_id, stock__gte=-delta).update(stock=F("stock") + delta) == 1
    if done:
        _changed(sku_id, delta, "")
    return done
