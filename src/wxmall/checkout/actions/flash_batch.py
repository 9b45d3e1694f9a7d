"""Placing many flash-sale tickets' orders at once (queued admission's worker, `checkout.tickets`).

One transaction per batch of one sale's tickets, with the rules `place_order` applies, read once per
batch instead of once per order: the customers' rows locked (ascending id, before the sale row, as
`place_order` locks them), the orders already made from these tickets found in one query (a ticket
delivered twice returns its order), the sale, its SKU and every customer's units re-read from the
database and checked with `pricing.flash_sale_problem`, the addresses with one query, the SKU with
`queries.load_lines`, freight with `freight.plan_for` and totals with `pricing.totals`. The rows are
written with bulk INSERTs (orders, lines, purchases, events), each order's `post_save` and outbox message
as `place_order` sends them, and the contended counters are taken last with ONE guarded UPDATE each:
the sale's `sold + n <= quota` inside the window of every ticket, then the SKU's `stock >= n`.

Anything the batch cannot settle as a whole (a ticket the rules refuse, the guard short by some units,
an order-number collision, a race on an idempotency key) rolls the whole batch back and returns None:
the caller then places the tickets one by one with `place_order`, so exactly the right tickets fail and
give their units back. A worker killed mid-batch leaves either nothing or the whole batch committed;
the replay then finds every order already made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.db.models.signals import post_save

from wxmall.accounts.models import Address, User
from wxmall.catalog import stock
from wxmall.core.errors import DomainError
from wxmall.fulfilment import freight
from wxmall.orders import events
from wxmall.orders.models import Order, OrderLine
from wxmall.orders.numbers import new_order_no
from wxmall.orders.state import ActorKind

from .. import pricing, queries
from ..models import FlashSale, FlashSalePurchase
from .placement import _shipping_snapshot, order_line


@dataclass(frozen=True)
class FlashTicket:
    """What a queued ticket asks for (decoded from the stream)."""

    ticket: str
    user_id: int
    quantity: int
    address_id: int
    admitted_at: datetime
    key: str  # the order's idempotency key (`admission.order_key`)


class _Fallback(Exception):
    """The batch cannot be settled as a whole: roll it back, place ticket by ticket."""


def place_flash_batch(flash_sale_id: int, tickets: list[FlashTicket]) -> dict[str, str] | None:
    """Orders for `tickets` (all of one sale) in one transaction. Returns ticket → order_no for every
    ticket (orders made now or before), or None when nothing was written and the caller must place
    them one by one (see the module docstring)."""
    if not tickets:
        return {}
    try:
        with transaction.atomic():
            return _place_batch(flash_sale_id, tickets)
    except (_Fallback, DomainError, IntegrityError):
        return None


def _place_batch(flash_sale_id: int, tickets: list[FlashTicket]) -> dict[str, str]:
    user_ids = sorted({t.user_id for t in tickets})
    if connection.features.has_select_for_update:  # SQLite: BEGIN IMMEDIATE serialises writers already
        locked = list(
            User.objects.select_for_update().filter(pk__in=user_ids).order_by("pk").values_list("pk")
        )
        if len(locked) != len(user_ids):
            raise _Fallback  # a customer is gone: place_order refuses exactly that ticket
    made = {
        key: (user_id, order_no)
        for key, user_id, order_no in Order.objects.filter(idempotency_key__in=[t.key for t in tickets])
        .order_by()
        .values_list("idempotency_key", "user_id", "order_no")
    }
    result: dict[str, str] = {}
    todo: dict[str, FlashTicket] = {}  # a ticket read twice in one batch (reclaimed) is placed once
    for t in tickets:
        if t.key in made:
            if made[t.key][0] != t.user_id:
                raise _Fallback
            result[t.ticket] = made[t.key][1]
        else:
            todo.setdefault(t.ticket, t)
    if not todo:
        return result
    todo = list(todo.values())

    sale = FlashSale.objects.filter(pk=flash_sale_id).select_related("sku__product__freight").first()
    if sale is None:
        raise _Fallback
    bought = dict(
        FlashSalePurchase.objects.filter(flash_sale=sale, user_id__in=user_ids)
        .values("user_id")
        .annotate(n=Sum("quantity"))
        .values_list("user_id", "n")
    )
    addresses = Address.objects.in_bulk({t.address_id for t in todo})
    plans: dict[tuple[int, str], object] = {}
    orders: list[Order] = []
    lines: list[OrderLine] = []
    for t in todo:
        problem = pricing.flash_sale_problem(
            sale, now=t.admitted_at, quantity=t.quantity, user_bought=bought.get(t.user_id, 0)
        )
        address = addresses.get(t.address_id)
        if problem or address is None or address.user_id != t.user_id:
            raise _Fallback
        bought[t.user_id] = bought.get(t.user_id, 0) + t.quantity
        (line,) = queries.load_lines([(sale.sku_id, t.quantity)], sale)  # listed and active, else raises
        shipping = _shipping_snapshot(address)
        plan_key = (t.quantity, shipping["ship_province"])
        if plan_key not in plans:
            plans[plan_key] = freight.plan_for([(line.sku.product, t.quantity)], shipping["ship_province"])
        plan = plans[plan_key]
        if plan.problem:
            raise _Fallback
        totals = pricing.totals([line], None, shipping_fee=plan.fee)
        order = Order(
            order_no=new_order_no(),
            user_id=t.user_id,
            subtotal=totals.subtotal,
            discount=totals.discount,
            points_used=0,
            points_discount=0,
            shipping_fee=totals.shipping_fee,
            total=totals.total,
            note="",
            idempotency_key=t.key,
            expires_at=t.admitted_at + timedelta(seconds=settings.ORDER_PAYMENT_TIMEOUT_SECONDS),
            **shipping,
        )
        orders.append(order)
        lines.append(order_line(order, line))

    Order.objects.bulk_create(orders)  # a taken number or key: IntegrityError, the whole batch goes back
    for order in orders:  # what Order.objects.create sends (marketing attributes the order on it)
        post_save.send(
            sender=Order, instance=order, created=True, update_fields=None, raw=False, using=order._state.db
        )
    OrderLine.objects.bulk_create(lines)
    FlashSalePurchase.objects.bulk_create(
        [
            FlashSalePurchase(flash_sale=sale, user_id=t.user_id, order=order, quantity=t.quantity)
            for t, order in zip(todo, orders, strict=True)
        ]
    )
    events.record_placed(orders, actor_kind=ActorKind.CUSTOMER, reason="下单")

    # The contended rows last, one guarded UPDATE each (see placement): all the units or none.
    units = sum(t.quantity for t in todo)
    earliest, latest = min(t.admitted_at for t in todo), max(t.admitted_at for t in todo)
    taken = (
        FlashSale.objects.filter(pk=sale.pk, is_active=True, starts_at__lte=earliest, ends_at__gt=latest)
        .alias(after=F("sold") + units)
        .filter(after__lte=F("quota"))
        .update(sold=F("sold") + units)
    )
    if not taken or not stock.take(sale.sku_id, units):
        raise _Fallback
    for t, order in zip(todo, orders, strict=True):
        result[t.ticket] = order.order_no
    return result
