"""State changes of checkout: the cart, the address book, and placing an order. Each public function is
one transaction; a DomainError raised inside it rolls back everything it wrote.

Concurrency rules (all portable to SQLite and PostgreSQL):
- Shared counters change only through guarded UPDATEs: stock (`catalog.stock.take`), flash-sale
  `sold + n <= quota`, coupon `used_count < total_quota`. A guard that matches no row means "sold out".
- Per-customer limits (flash-sale units, coupon uses, cart lines, addresses) are counted while holding
  the customer's own `User` row lock (`_lock_customer`), so two parallel requests of one customer queue
  instead of both passing the check. Other customers are not blocked.
- Lock order, always: customer row → flash sale → coupon → SKUs by ascending id. Cancellation
  (`release.on_cancelled`) follows the same order after the order row, so no cycle can form.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from wxmall.accounts.models import Address
from wxmall.catalog import stock
from wxmall.catalog.models import SKU
from wxmall.core.errors import CommonError, DomainError
from wxmall.orders import events
from wxmall.orders.models import Order, OrderLine
from wxmall.orders.numbers import new_order_no
from wxmall.orders.state import ActorKind, OrderStatus

from . import pricing, queries
from .errors import CheckoutError
from .models import CartLine, Coupon, CouponRedemption, FlashSale, FlashSalePurchase

NOTE_MAX_LENGTH = 200
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
PHONE = re.compile(r"1[3-9]\d{9}")
ORDER_NO_ATTEMPTS = 5


def _lock_customer(user) -> None:
    """Serialize this customer's own checkout writes (see module docstring)."""
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


# --- cart ---------------------------------------------------------------------------------------------
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
        _lock_customer(user)
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
        _lock_customer(user)
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


# --- address book -------------------------------------------------------------------------------------
ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "detail")
_ADDRESS_LIMITS = {
    "recipient": (1, 20),
    "phone": (11, 11),
    "province": (1, 32),
    "city": (1, 32),
    "district": (0, 32),
    "detail": (2, 120),
}


def _clean_address(data: dict) -> dict:
    cleaned, bad = {}, []
    for name in ADDRESS_FIELDS:
        value = data.get(name, "")
        value = value.strip() if isinstance(value, str) else None
        low, high = _ADDRESS_LIMITS[name]
        if value is None or not low <= len(value) <= high or "\x00" in value:
            bad.append(name)
        cleaned[name] = value
    if "phone" not in bad and not PHONE.fullmatch(cleaned["phone"]):
        bad.append("phone")
    if bad:
        raise DomainError(CheckoutError.INVALID_ADDRESS, fields=bad)
    return cleaned


def add_address(user, *, is_default: bool = False, **fields) -> Address:
    """Save a new address (fields: recipient, phone (mainland mobile), province, city, district,
    detail). The customer's first address becomes the default. At most CHECKOUT_MAX_ADDRESSES."""
    cleaned = _clean_address(fields)
    with transaction.atomic():
        _lock_customer(user)
        count = Address.objects.filter(user=user).count()
        if count >= settings.CHECKOUT_MAX_ADDRESSES:
            raise DomainError(
                CheckoutError.ADDRESS_LIMIT, f"收货地址最多保存 {settings.CHECKOUT_MAX_ADDRESSES} 个"
            )
        make_default = bool(is_default) or count == 0
        if make_default:
            Address.objects.filter(user=user, is_default=True).update(is_default=False)
        return Address.objects.create(user=user, is_default=make_default, **cleaned)


def update_address(user, address_id: int, *, is_default: bool | None = None, **fields) -> Address:
    """Replace an address's fields (all of them, validated as in `add_address`)."""
    cleaned = _clean_address(fields)
    with transaction.atomic():
        _lock_customer(user)
        address = _own_address(user, address_id)
        for name, value in cleaned.items():
            setattr(address, name, value)
        if is_default:
            Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(is_default=False)
            address.is_default = True
        address.save()
        return address


def set_default_address(user, address_id: int) -> Address:
    with transaction.atomic():
        _lock_customer(user)
        address = _own_address(user, address_id)
        Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(is_default=False)
        Address.objects.filter(pk=address.pk).update(is_default=True)
        address.is_default = True
        return address


def delete_address(user, address_id: int) -> None:
    """Delete an address; orders keep their own copy. If it was the default, the newest remaining
    address becomes the default."""
    with transaction.atomic():
        _lock_customer(user)
        address = _own_address(user, address_id)
        address.delete()
        if address.is_default:
            successor = Address.objects.filter(user=user).order_by("-id").first()
            if successor:
                Address.objects.filter(pk=successor.pk).update(is_default=True)


def _own_address(user, address_id) -> Address:
    # Another customer's address is "not found": ids are not secrets, but ownership must not leak.
    address = (
        Address.objects.filter(user=user, pk=address_id).first() if pricing._is_int(address_id) else None
    )
    if address is None:
        raise DomainError(CheckoutError.ADDRESS_NOT_FOUND)
    return address


# --- placing an order ---------------------------------------------------------------------------------
def place_order(
    user,
    *,
    items: list[tuple[int, int]] | None = None,
    address_id: int,
    coupon_code: str | None = None,
    flash_sale_id: int | None = None,
    note: str = "",
    from_cart: bool = False,
    idempotency_key: str | None = None,
    channel: str | None = None,
) -> Order:
    """Place an order for `items` [(sku_id, quantity), …] (or the whole cart with `from_cart=True`,
    which then empties those cart lines), shipped to one of the customer's addresses.

    Prices, stock, coupon and flash sale are read and checked here on the server, in one transaction:
    stock is taken with guarded UPDATEs, the flash-sale quota with `sold + n <= quota`, the coupon quota
    with `used_count < total_quota`, per-customer limits under the customer's row lock. On any refusal
    a DomainError is raised and nothing at all is written.

    `idempotency_key` (1–64 chars of [A-Za-z0-9_.:-], unique per customer): a repeated submission with
    the same key returns the order the first one placed, whatever else it carries (then
    `order.replayed` is True). The order starts in
    `pending_payment` and is cancelled automatically after ORDER_PAYMENT_TIMEOUT_SECONDS unpaid.
    """
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(CheckoutError.NOTE_TOO_LONG)
    if idempotency_key is not None and not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise DomainError(CheckoutError.INVALID_IDEMPOTENCY_KEY)
    if from_cart and items:
        raise DomainError(CommonError.INVALID_REQUEST, "from_cart 与 items 只能二选一")
    if not from_cart:
        items = pricing.normalize_items(items)
    now = timezone.now()
    for attempt in range(ORDER_NO_ATTEMPTS):
        order_no = new_order_no()
        try:
            return _place(
                user,
                order_no=order_no,
                items=items,
                address_id=address_id,
                coupon_code=coupon_code,
                flash_sale_id=flash_sale_id,
                note=note,
                from_cart=from_cart,
                idempotency_key=idempotency_key,
                channel=channel,
                now=now,
            )
        except _OrderNoTaken as taken:
            # The whole transaction was rolled back; a number that really is taken means a collision,
            # so place the order again from scratch under a fresh one. Anything else is a real error.
            if attempt == ORDER_NO_ATTEMPTS - 1 or not Order.objects.filter(order_no=order_no).exists():
                raise taken.__cause__ from None
    raise AssertionError("unreachable")


class _OrderNoTaken(Exception):
    """The order INSERT hit a unique constraint (raised from the IntegrityError, which is its cause)."""


def _place(
    user,
    *,
    order_no,
    items,
    address_id,
    coupon_code,
    flash_sale_id,
    note,
    from_cart,
    idempotency_key,
    channel,
    now,
) -> Order:
    """One attempt of `place_order`, in one transaction (see there)."""
    with transaction.atomic():
        _lock_customer(user)
        # Checked under the customer's lock, so a double-click's twin either sees this order committed or
        # has not started yet; the unique constraint backs this up.
        if idempotency_key and (existing := _order_for_key(user, idempotency_key)):
            existing.replayed = True
            return existing
        if from_cart:
            items = pricing.normalize_items(queries.cart_items(user))
        address = _own_address(user, address_id)

        flash_sale = _check_flash_sale(user, flash_sale_id, items, now) if flash_sale_id is not None else None
        lines = queries.load_lines(items, flash_sale)
        subtotal = sum(line.line_total for line in lines)
        coupon = _check_coupon(user, coupon_code, subtotal, now, flash_sale) if coupon_code else None
        result = pricing.totals(lines, coupon)

        try:
            # No savepoint around this INSERT (it would cost two round trips on every order): a duplicate
            # number aborts the whole transaction, and `place_order` starts over with a new one.
            order = Order.objects.create(
                order_no=order_no,
                user=user,
                subtotal=result.subtotal,
                discount=result.discount,
                shipping_fee=result.shipping_fee,
                total=result.total,
                coupon=coupon,
                note=note,
                idempotency_key=idempotency_key,
                channel=channel,
                expires_at=now + timedelta(seconds=settings.ORDER_PAYMENT_TIMEOUT_SECONDS),
                ship_recipient=address.recipient,
                ship_phone=address.phone,
                ship_province=address.province,
                ship_city=address.city,
                ship_district=address.district,
                ship_detail=address.detail,
            )
        except IntegrityError as error:
            raise _OrderNoTaken from error
        order_lines = OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    sku=line.sku,
                    product_title=line.sku.product.title[:120],
                    spec_label=line.sku.spec_label[:200],
                    image=line.sku.product.cover[:300],
                    unit_price=line.unit_price,
                    quantity=line.quantity,
                    line_total=line.line_total,
                    flash_sale=line.flash_sale,
                )
                for line in lines
            ]
        )
        if coupon is not None:
            CouponRedemption.objects.create(coupon=coupon, user=user, order=order, discount=result.discount)
        if flash_sale is not None:
            FlashSalePurchase.objects.create(
                flash_sale=flash_sale, user=user, order=order, quantity=dict(items)[flash_sale.sku_id]
            )
        if from_cart:
            CartLine.objects.filter(user=user, sku_id__in=[sku_id for sku_id, _ in items]).delete()
        event = events.record(
            order, "", OrderStatus.PENDING_PAYMENT, actor=user, actor_kind=ActorKind.CUSTOMER, reason="下单"
        )

        # The rows every buyer contends for come last, so their locks are held only from here to the
        # commit a moment later, not while this order's own rows are written; in a flash-sale rush
        # buyers then queue for microseconds, not milliseconds. A refusal here rolls back the rows above.
        if flash_sale is not None:
            _take_flash_sale_units(flash_sale, dict(items)[flash_sale.sku_id], now)
        if coupon is not None:
            _take_coupon_use(coupon)
        for line in lines:  # ascending SKU id: see the lock order above
            if not stock.take(line.sku.pk, line.quantity):
                raise DomainError(
                    CheckoutError.OUT_OF_STOCK, f"{line.sku.product.title} 库存不足", sku_id=line.sku.pk
                )
    # What was just written is what `order.lines.all()` / `order.events.all()` would read back (ids in
    # creation order, as the models order them): hand it over so the response costs no more queries.
    _hand_over(order, lines=order_lines, events=[event])
    order.replayed = False
    return order


def _hand_over(order: Order, **related: list) -> None:
    """Fill `order`'s prefetch cache with rows this transaction wrote, exactly as `prefetch_related`
    would: `.all()` then reads them without a query, while `.filter()`/`.get()` still query."""
    order._prefetched_objects_cache = {}
    for name, rows in related.items():
        queryset = getattr(order, name).get_queryset()
        queryset._result_cache, queryset._prefetch_done = rows, True
        order._prefetched_objects_cache[name] = queryset


def _order_for_key(user, key: str) -> Order | None:
    return Order.objects.filter(user=user, idempotency_key=key).order_by().first()


def _check_flash_sale(user, flash_sale_id, items, now) -> FlashSale:
    flash_sale = queries.flash_sale_for(flash_sale_id, user)
    if flash_sale is None:
        raise DomainError(CheckoutError.FLASH_SALE_NOT_FOUND)
    quantity = queries.flash_sale_quantity(flash_sale, items)
    problem = pricing.flash_sale_problem(
        flash_sale, now=now, quantity=quantity, user_bought=flash_sale.user_bought
    )
    if problem:
        raise DomainError(problem)
    return flash_sale


def _take_flash_sale_units(flash_sale: FlashSale, quantity: int, now) -> None:
    taken = (
        FlashSale.objects.filter(pk=flash_sale.pk, is_active=True, starts_at__lte=now, ends_at__gt=now)
        .alias(after=F("sold") + quantity)
        .filter(after__lte=F("quota"))
        .update(sold=F("sold") + quantity)
    )
    if not taken:  # others bought the last units since we read the row
        raise DomainError(CheckoutError.FLASH_SALE_SOLD_OUT)


def _check_coupon(user, code: str, subtotal: int, now, flash_sale) -> Coupon:
    coupon = queries.find_coupon(code)
    if coupon is None:
        raise DomainError(CheckoutError.COUPON_NOT_FOUND)
    problem = pricing.coupon_problem(
        coupon,
        subtotal=subtotal,
        now=now,
        user_uses=queries.coupon_uses(coupon, user),
        has_flash_sale=flash_sale is not None,
    )
    if problem:
        raise DomainError(problem)
    return coupon


def _take_coupon_use(coupon: Coupon) -> None:
    taken = (
        Coupon.objects.filter(pk=coupon.pk)
        .filter(Q(total_quota__isnull=True) | Q(used_count__lt=F("total_quota")))
        .update(used_count=F("used_count") + 1)
    )
    if not taken:
        raise DomainError(CheckoutError.COUPON_EXHAUSTED)
