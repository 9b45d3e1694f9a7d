"""Cart actions. Each public function is one transaction, under the customer's row lock
(`accounts.actions.lock_customer`) so the line-count limit holds against parallel requests."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wxmall.accounts.actions import lock_customer
from wxmall.catalog.models import SKU
from wxmall.core.errors import DomainError

from .. import pricing
from ..errors import CheckoutError
from ..models import CartLine


def _purchasable_sku(sku_id) -> SKU:
    if not pricing._is_int(sku_id):
        raise DomainError(CheckoutError.SKU_NOT_FOUND)
    sku = SKU.objects.select_related("product").filter(pk=sku_id).first()
    if sku is None:
        raise DomainError(CheckoutError.SKU_NOT_FOUND, sku_id=sku_id)
    if not sku.is_purchasable:
        raise DomainError(CheckoutError.SKU_UNAVAILABLE, sku_id=sku_id)
    return sku


def _check_stock(sku: SKU, quantity: int) -> None:
    # A soft check for a friendly message; the hard guarantee is the guarded UPDATE at placement.
    if sku.stock < quantity:
        message = "商品已售罄" if sku.stock == 0 else f"库存不足，仅剩 {sku.stock} 件"
        raise DomainError(CheckoutError.OUT_OF_STOCK, message, sku_id=sku.pk, stock=sku.stock)


def add_to_cart(user, sku_id: int, quantity: int = 1) -> CartLine:
    """Add `quantity` of a SKU to the cart (on top of what is already there). Refuses quantities outside
    1..CART_MAX_QUANTITY (in total), unknown/unlisted SKUs, more than stock, and a 51st line."""
    pricing.check_quantity(quantity)
    sku = _purchasable_sku(sku_id)
    with transaction.atomic():
        lock_customer(user)
        line = CartLine.objects.filter(user=user, sku=sku).first()
        new_quantity = quantity + (line.quantity if line else 0)
        pricing.check_quantity(new_quantity, sku_id=sku.pk)
        _check_stock(sku, new_quantity)
        if line is None:
            return _create_line(user, sku, new_quantity)
        line.quantity = new_quantity
        line.save(update_fields=["quantity", "updated_at"])
        return line


def set_cart_quantity(user, sku_id: int, quantity: int) -> CartLine:
    """Set a cart line to exactly `quantity` (1..CART_MAX_QUANTITY; use `remove_from_cart` for zero).
    Creates the line if the SKU is not in the cart yet."""
    pricing.check_quantity(quantity)
    sku = _purchasable_sku(sku_id)
    _check_stock(sku, quantity)
    with transaction.atomic():
        lock_customer(user)
        if CartLine.objects.filter(user=user, sku=sku).update(quantity=quantity, updated_at=timezone.now()):
            return CartLine.objects.get(user=user, sku=sku)
        return _create_line(user, sku, quantity)


def _create_line(user, sku: SKU, quantity: int) -> CartLine:
    if CartLine.objects.filter(user=user).count() >= settings.CHECKOUT_MAX_CART_LINES:
        raise DomainError(CheckoutError.CART_FULL)
    return CartLine.objects.create(user=user, sku=sku, quantity=quantity)


def remove_from_cart(user, sku_id: int) -> bool:
    """Remove a SKU from the cart. Returns whether it was there (removing twice is harmless)."""
    deleted, _ = CartLine.objects.filter(user=user, sku_id=sku_id).delete()
    return bool(deleted)


def clear_cart(user) -> int:
    deleted, _ = CartLine.objects.filter(user=user).delete()
    return deleted


# -- a cart kept across login ---------------------------------------------------------------------------
# A shopper who taps 加入购物车 before logging in has no cart row to write to (carts belong to users); the
# item waits in the session, which survives login, and joins the user's cart when they log in.
KEPT_SESSION_KEY = "checkout.kept_cart"


def keep_for_login(session, sku_id: int, quantity: int) -> None:
    """Remember an item an anonymous shopper added (bounded: at most CHECKOUT_MAX_CART_LINES SKUs)."""
    pricing.check_quantity(quantity)
    _purchasable_sku(sku_id)
    kept = dict(session.get(KEPT_SESSION_KEY) or {})
    key = str(sku_id)
    if key not in kept and len(kept) >= settings.CHECKOUT_MAX_CART_LINES:
        raise DomainError(CheckoutError.CART_FULL)
    kept[key] = min(int(kept.get(key, 0)) + quantity, settings.CART_MAX_QUANTITY)
    session[KEPT_SESSION_KEY] = kept


def merge_kept_cart(user, session) -> int:
    """Move the session's kept items into the user's cart, in one transaction under the customer's lock.
    A quantity is capped by what the cart may hold and by stock; a SKU no longer for sale, or beyond the
    line limit, is left out. Returns the number of SKUs merged."""
    kept = session.pop(KEPT_SESSION_KEY, None) or {}
    merged = 0
    with transaction.atomic():
        lock_customer(user)
        lines = {line.sku_id: line for line in CartLine.objects.filter(user=user)}
        for key, quantity in kept.items():
            if not str(key).isdigit() or not isinstance(quantity, int) or quantity < 1:
                continue
            sku = SKU.objects.select_related("product").filter(pk=int(key)).first()
            if sku is None or not sku.is_purchasable or sku.stock < 1:
                continue
            line = lines.get(sku.pk)
            wanted = min(quantity + (line.quantity if line else 0), settings.CART_MAX_QUANTITY, sku.stock)
            if line is not None:
                CartLine.objects.filter(pk=line.pk).update(
                    quantity=max(wanted, line.quantity), updated_at=timezone.now()
                )
            elif len(lines) < settings.CHECKOUT_MAX_CART_LINES:
                lines[sku.pk] = CartLine.objects.create(user=user, sku=sku, quantity=wanted)
            else:
                continue
            merged += 1
    return merged


def on_logged_in(sender, request, user, **kwargs) -> None:
    """`user_logged_in`: a cart kept before login joins the user's cart."""
    session = getattr(request, "session", None)
    if session is not None and session.get(KEPT_SESSION_KEY):
        merge_kept_cart(user, session)
