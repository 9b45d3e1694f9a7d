"""Placing an order: one transaction that checks and prices it (`queries.price`, the same path as the
quote), writes the order, its lines, redemption and flash-sale purchase, and takes stock, flash-sale
units and the coupon use with guarded UPDATEs. See the package docstring for the concurrency rules."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from wxmall.accounts.actions import lock_customer, own_address
from wxmall.accounts.errors import AccountError
from wxmall.accounts.models import Address
from wxmall.accounts.points import spend_for_order
from wxmall.catalog import stock
from wxmall.core.errors import CommonError, DomainError
from wxmall.fulfilment.errors import FulfilmentError
from wxmall.orders import events
from wxmall.orders.models import Order, OrderLine
from wxmall.orders.numbers import new_order_no
from wxmall.orders.state import ActorKind, OrderStatus
from wxmall.pickup import actions as pickup_actions
from wxmall.pickup import queries as pickup_queries
from wxmall.pickup.errors import PickupError

from .. import pricing, queries
from ..errors import CheckoutError
from ..models import CartLine, Coupon, CouponRedemption, FlashSale, FlashSalePurchase

NOTE_MAX_LENGTH = 200
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
ORDER_NO_ATTEMPTS = 5


# --- placing an order ---------------------------------------------------------------------------------
def place_order(
    user,
    *,
    items: list[tuple[int, int]] | None = None,
    address_id: int | None = None,
    pickup_store_id: int | None = None,
    coupon_code: str | None = None,
    flash_sale_id: int | None = None,
    note: str = "",
    from_cart: bool = False,
    idempotency_key: str | None = None,
    channel: str | None = None,
    points: int = 0,
    admitted_at: datetime | None = None,
) -> Order:
    """Place an order for `items` [(sku_id, quantity), …] (or the whole cart with `from_cart=True`,
    which then empties those cart lines), shipped to one of the customer's addresses (`address_id`) or
    collected at an active pickup store (`pickup_store_id`: no address, no shipping fee) — exactly one.

    Prices, stock, coupon and flash sale are read and checked here on the server, in one transaction:
    stock is taken with guarded UPDATEs, the flash-sale quota with `sold + n <= quota`, the coupon quota
    with `used_count < total_quota`, per-customer limits under the customer's row lock. On any refusal
    a DomainError is raised and nothing at all is written.

    `idempotency_key` (1–64 chars of [A-Za-z0-9_.:-], unique per customer): a repeated submission with
    the same key returns the order the first one placed, whatever else it carries, even when it could
    not be placed again now (then `order.replayed` is True). The order starts in
    `pending_payment` and is cancelled automatically after ORDER_PAYMENT_TIMEOUT_SECONDS unpaid.

    `points`: how many of the customer's points pay part of it (priced by `queries.price`, capped per
    order); they are debited here with a guarded UPDATE, given back on cancel and in proportion on refund.
    `admitted_at`: when a flash-sale ticket was admitted (`checkout.admission`); the sale window and
    the payment deadline count from then, so a buyer admitted in the sale's last second keeps the unit.
    """
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(CheckoutError.NOTE_TOO_LONG)
    if idempotency_key is not None and not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise DomainError(CheckoutError.INVALID_IDEMPOTENCY_KEY)
    if from_cart and items:
        raise DomainError(CommonError.INVALID_REQUEST, "from_cart 与 items 只能二选一")
    if (address_id is None) == (pickup_store_id is None):
        raise DomainError(PickupError.CHOOSE_ONE)
    if not from_cart:
        items = pricing.normalize_items(items)
    now = admitted_at or timezone.now()
    for attempt in range(ORDER_NO_ATTEMPTS):
        order_no = new_order_no()
        try:
            return _place(
                user,
                order_no=order_no,
                items=items,
                address_id=address_id,
                pickup_store_id=pickup_store_id,
                coupon_code=coupon_code,
                flash_sale_id=flash_sale_id,
                note=note,
                from_cart=from_cart,
                idempotency_key=idempotency_key,
                channel=channel,
                now=now,
                points=points,
            )
        except _OrderNoTaken as taken:
            # The whole transaction was rolled back. The key already used by this customer: a repeated
            # submission, answered with the first order. A number that really is taken means a
            # collision, so place the order again from scratch under a fresh one. Anything else is a
            # real error.
            if idempotency_key and (existing := _order_for_key(user, idempotency_key)):
                return _replayed(existing)
            if attempt == ORDER_NO_ATTEMPTS - 1 or not Order.objects.filter(order_no=order_no).exists():
                raise taken.__cause__ from None
        except DomainError:
            # A repeated submission is answered with the first order even when it could not be placed
            # again now (the first took the last unit, or the customer's limit).
            if idempotency_key and (existing := _order_for_key(user, idempotency_key)):
                return _replayed(existing)
            raise
    raise AssertionError("unreachable")


def _replayed(order: Order) -> Order:
    order.replayed = True
    return order


class _OrderNoTaken(Exception):
    """The order INSERT hit a unique constraint (raised from the IntegrityError, which is its cause)."""


def _place(
    user,
    *,
    order_no,
    items,
    address_id,
    pickup_store_id,
    coupon_code,
    flash_sale_id,
    note,
    from_cart,
    idempotency_key,
    channel,
    now,
    points,
) -> Order:
    """One attempt of `place_order`, in one transaction (see there)."""
    with transaction.atomic():
        # A double-click's twin queues here until this order is committed (or has not started). The
        # idempotency key is not read first: the twin's INSERT hits the unique (user, key) constraint
        # before anything is taken, and `place_order` answers it with the first order. Nearly every
        # key is new, so a read on every order would be a wasted statement.
        if pickup_store_id is not None:
            lock_customer(user)
            store, shipping = pickup_queries.active_store(pickup_store_id), _NO_ADDRESS
        else:
            store, shipping = None, _shipping_snapshot(_own_address_locking_customer(user, address_id))
        if from_cart:
            items = pricing.normalize_items(queries.cart_items(user))

        priced = queries.price(
            user,
            items,
            coupon_code=coupon_code,
            flash_sale_id=flash_sale_id,
            now=now,
            points=points,
            show_points=False,
            pickup=store is not None,
            province=shipping["ship_province"],
        )
        if priced.coupon_problem:
            raise DomainError(priced.coupon_problem)
        if priced.shipping_problem:
            raise DomainError(FulfilmentError.UNDELIVERABLE, priced.shipping_problem)
        lines, flash_sale, coupon, result = priced.lines, priced.flash_sale, priced.coupon, priced.totals

        try:
            # No savepoint around this INSERT (it would cost two round trips on every order): a duplicate
            # number aborts the whole transaction, and `place_order` starts over with a new one.
            order = Order.objects.create(
                order_no=order_no,
                user=user,
                subtotal=result.subtotal,
                discount=result.discount,
                points_used=result.points,
                points_discount=result.points_discount,
                shipping_fee=result.shipping_fee,
                total=result.total,
                coupon=coupon,
                note=note,
                idempotency_key=idempotency_key,
                channel=channel,
                expires_at=now + timedelta(seconds=settings.ORDER_PAYMENT_TIMEOUT_SECONDS),
                **shipping,
            )
        except IntegrityError as error:
            raise _OrderNoTaken from error
        if store is not None:
            pickup_actions.attach(order, store)
        order_lines = OrderLine.objects.bulk_create([order_line(order, line) for line in lines])
        if coupon is not None:
            CouponRedemption.objects.create(coupon=coupon, user=user, order=order, discount=result.discount)
        if flash_sale is not None:
            FlashSalePurchase.objects.create(
                flash_sale=flash_sale, user=user, order=order, quantity=dict(items)[flash_sale.sku_id]
            )
        if from_cart:
            CartLine.objects.filter(user=user, sku_id__in=[sku_id for sku_id, _ in items]).delete()
        # Guarded UPDATE (`points >= n`): two checkouts spending the same points, one is refused.
        spend_for_order(user, result.points, order_no=order.order_no)
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


def _own_address_locking_customer(user, address_id) -> Address:
    """`lock_customer` and `own_address` in one statement where rows can be locked (PostgreSQL): the
    address is read joined to its customer's row, and only that row is locked (FOR UPDATE OF). An
    address that is not theirs matches nothing and locks nothing, and placement stops right there."""
    if not connection.features.has_select_for_update:  # SQLite: BEGIN IMMEDIATE serialises writers
        return own_address(user, address_id)
    if not isinstance(address_id, int) or isinstance(address_id, bool):
        raise DomainError(AccountError.ADDRESS_NOT_FOUND)
    address = (
        Address.objects.select_related("user")
        .only(*(f.attname for f in Address._meta.concrete_fields), "user__id")
        .select_for_update(of=("user",))
        .filter(pk=address_id, user_id=user.pk)
        .first()
    )
    if address is None:
        raise DomainError(AccountError.ADDRESS_NOT_FOUND)
    return address


# A pickup order has no shipping address: the store is on its `pickup` row.
_NO_ADDRESS = dict.fromkeys(
    ("ship_recipient", "ship_phone", "ship_province", "ship_city", "ship_district", "ship_detail"), ""
)


def order_line(order: Order, line) -> OrderLine:
    """The order's copy of a priced cart line (`queries.load_lines`): title, spec and picture as sold."""
    return OrderLine(
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


def _shipping_snapshot(address) -> dict:
    return {
        "ship_recipient": address.recipient,
        "ship_phone": address.phone,
        "ship_province": address.province,
        "ship_city": address.city,
        "ship_district": address.district,
        "ship_detail": address.detail,
    }


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


def _take_flash_sale_units(flash_sale: FlashSale, quantity: int, now) -> None:
    taken = (
        FlashSale.objects.filter(pk=flash_sale.pk, is_active=True, starts_at__lte=now, ends_at__gt=now)
        .alias(after=F("sold") + quantity)
        .filter(after__lte=F("quota"))
        .update(sold=F("sold") + quantity)
    )
    if not taken:  # others bought the last units since we read the row
        raise DomainError(CheckoutError.FLASH_SALE_SOLD_OUT)


def _take_coupon_use(coupon: Coupon) -> None:
    taken = (
        Coupon.objects.filter(pk=coupon.pk)
        .filter(Q(total_quota__isnull=True) | Q(used_count__lt=F("total_quota")))
        .update(used_count=F("used_count") + 1)
    )
    if not taken:
        raise DomainError(CheckoutError.COUPON_EXHAUSTED)
