"""Price rules as pure functions over already-loaded rows: the same code prices a quote and the order
that is finally placed, so what the customer is shown is what they are charged.

Rules (documented once, here):
- Goods subtotal = Σ unit price × quantity, at the SKU's live price, or the flash-sale price for the
  flash-sale SKU. Prices sent by a client are never read.
- At most one coupon per order, and not on an order holding a flash-sale line (秒杀商品不可用券).
  amount_off takes `value` fen; percent_off takes `value`% (rounded half up to the fen). The discount
  never brings the goods amount below 1 fen.
- Shipping is the freight templates' fee for the basket and the address's province, given the goods
  amount after discount (`wxmall.fulfilment.freight`; its docstring has the rules). Store pickup
  (门店自提) ships nothing: 0.
- total = subtotal − discount + shipping_fee ≥ 1 fen (also a database constraint on Order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings

from wxmall.core.errors import CommonError, DomainError
from wxmall.core.money import percent_of

from .errors import CheckoutError
from .models import Coupon, CouponAudience, CouponKind, FlashSale


def normalize_items(items) -> list[tuple[int, int]]:
    """Validate `[(sku_id, quantity), …]` from a caller and merge repeated SKUs. Returns pairs sorted
    by SKU id (the order stock rows are locked in, so concurrent orders never deadlock)."""
    if not items:
        raise DomainError(CheckoutError.EMPTY_ORDER)
    merged: dict[int, int] = {}
    for pair in items:
        try:
            sku_id, quantity = pair
        except (TypeError, ValueError):
            raise DomainError(CommonError.INVALID_REQUEST) from None
        if not _is_int(sku_id) or sku_id <= 0:
            raise DomainError(CheckoutError.SKU_NOT_FOUND, sku_id=str(sku_id)[:20])
        check_quantity(quantity)
        merged[sku_id] = merged.get(sku_id, 0) + quantity
    for sku_id, quantity in merged.items():
        check_quantity(quantity, sku_id=sku_id)
    if len(merged) > settings.CHECKOUT_MAX_CART_LINES:
        raise DomainError(CheckoutError.CART_FULL)
    return sorted(merged.items())


def check_quantity(quantity, **details) -> int:
    if not _is_int(quantity) or not 1 <= quantity <= settings.CART_MAX_QUANTITY:
        raise DomainError(
            CheckoutError.INVALID_QUANTITY, f"购买数量需在 1 到 {settings.CART_MAX_QUANTITY} 之间", **details
        )
    return quantity


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def coupon_discount(coupon: Coupon, subtotal: int) -> int:
    raw = coupon.value if coupon.kind == CouponKind.AMOUNT_OFF else percent_of(subtotal, coupon.value)
    return max(0, min(raw, subtotal - 1))


def coupon_problem(
    coupon: Coupon,
    *,
    subtotal: int,
    now: datetime,
    user_uses: int,
    has_flash_sale: bool = False,
    granted: bool = False,
) -> CheckoutError | None:
    """Why `coupon` cannot be used on this order, or None. Checked in this order so the customer hears
    the most fundamental reason first. Quota is checked again by the guarded UPDATE at placement."""
    if not coupon.is_active:
        return CheckoutError.COUPON_INACTIVE
    if coupon.audience == CouponAudience.GRANTED and not granted:
        return CheckoutError.COUPON_NOT_GRANTED
    if now < coupon.starts_at:
        return CheckoutError.COUPON_NOT_STARTED
    if now >= coupon.ends_at:
        return CheckoutError.COUPON_EXPIRED
    if coupon.total_quota is not None and coupon.used_count >= coupon.total_quota:
        return CheckoutError.COUPON_EXHAUSTED
    if user_uses >= coupon.per_user_limit:
        return CheckoutError.COUPON_USER_LIMIT
    if has_flash_sale:
        return CheckoutError.COUPON_NOT_WITH_FLASH_SALE
    if subtotal < coupon.threshold:
        return CheckoutError.COUPON_THRESHOLD_NOT_MET
    return None


def flash_sale_problem(
    flash_sale: FlashSale, *, now: datetime, quantity: int, user_bought: int
) -> CheckoutError | None:
    if not flash_sale.is_active or not flash_sale.starts_at <= now < flash_sale.ends_at:
        return CheckoutError.FLASH_SALE_NOT_ACTIVE
    if user_bought + quantity > flash_sale.per_user_limit:
        return CheckoutError.FLASH_SALE_USER_LIMIT
    if flash_sale.sold + quantity > flash_sale.quota:
        return CheckoutError.FLASH_SALE_SOLD_OUT
    return None


@dataclass(frozen=True)
class PricedLine:
    sku: object  # catalog.SKU with its product loaded
    quantity: int
    unit_price: int
    flash_sale: FlashSale | None = None

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity

    @property
    def in_stock(self) -> bool:
        return self.sku.stock >= self.quantity


@dataclass(frozen=True)
class Totals:
    subtotal: int
    discount: int
    shipping_fee: int
    points: int = 0  # points spent on this order
    points_discount: int = 0  # what they take off, in fen

    @property
    def total(self) -> int:
        return self.subtotal - self.discount - self.points_discount + self.shipping_fee


def max_points(totals: Totals, balance: int) -> int:
    """Points usable on an order: worth at most POINTS_MAX_DISCOUNT_PERCENT of the goods amount after the
    coupon, never more than the balance, and never so many that the total falls below one fen."""
    goods = totals.subtotal - totals.discount
    cap_fen = min(goods * settings.POINTS_MAX_DISCOUNT_PERCENT // 100, goods + totals.shipping_fee - 1)
    return max(0, min(balance, cap_fen // settings.POINTS_VALUE_FEN))


def with_points(totals: Totals, points: int) -> Totals:
    return replace(totals, points=points, points_discount=points * settings.POINTS_VALUE_FEN)


def totals(lines: list[PricedLine], coupon: Coupon | None, *, shipping_fee: Callable[[int], int]) -> Totals:
    """`shipping_fee(goods amount after discount)`: the freight plan's fee, or 0 for pickup."""
    subtotal = sum(line.line_total for line in lines)
    discount = coupon_discount(coupon, subtotal) if coupon is not None else 0
    return Totals(subtotal=subtotal, discount=discount, shipping_fee=shipping_fee(subtotal - discount))
