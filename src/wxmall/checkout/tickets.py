"""The worker side of queued flash-sale admission (see `admission` for the design and its recovery
story): turning tickets into orders (`drain`, `reclaim`) and keeping Redis in step with the database
(`reconcile`).

A worker reads up to FLASH_SALE_DRAIN_BATCH tickets at once from the stream's consumer group and places
each sale's tickets in one transaction (`actions.flash_batch`: one guarded UPDATE for the sale's `sold`
and one for the stock, bulk INSERTs for the rows). A batch that cannot be settled whole (a ticket the
rules refuse, the guard short of units) is rolled back and placed ticket by ticket with `place_order`,
each in its own short transaction, so exactly the refused tickets fail. Then, in one pipelined round
trip, it moves every ticket (ordered / failed) and acknowledges and deletes the entries. What it did not finish (it died, the database was down) stays
pending and is taken over by `reclaim` after FLASH_SALE_RECLAIM_IDLE_SECONDS: placing the same ticket
again returns the order already made, because the order's idempotency key is the ticket.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import UTC, datetime, timedelta

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from wxmall.core.errors import DomainError
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus

from . import admission, flash_store
from .models import FlashSale

logger = logging.getLogger(__name__)


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


# --- tickets into orders --------------------------------------------------------------------------------
def drain(*, budget_seconds: float = 10.0, consumer: str | None = None, idle_ms: int | None = None) -> int:
    """Turn queued tickets into orders until the stream stays empty for `idle_ms` (default
    FLASH_SALE_DRAIN_IDLE_MS; 0: stop at the first empty read) or the budget is spent. Returns how many
    tickets were settled (ordered or failed). While it runs, the worker waits on the stream with a
    blocking read (XREADGROUP BLOCK), so a ticket admitted during a rush is taken within milliseconds,
    with no kick and no polling interval. If the budget ran out first, another drain is asked for at
    once, so a long queue keeps being worked without waiting for new admissions or the beat."""
    store = admission.store()
    store.ensure_group()
    consumer = consumer or consumer_name()
    idle_ms = settings.FLASH_SALE_DRAIN_IDLE_MS if idle_ms is None else idle_ms
    deadline = time.monotonic() + budget_seconds
    settled = 0
    emptied_once = False
    while time.monotonic() < deadline:
        left_ms = int(1000 * (deadline - time.monotonic()))
        entries = _read(store, consumer, block_ms=min(idle_ms, left_ms) if emptied_once else None)
        if not entries:
            if emptied_once:
                break
            # Clear the kick marker, then look once more: a ticket admitted before the DEL is read now,
            # one admitted after it sets the marker again and so asks for a new drain.
            store.redis.delete(flash_store.KICK)
            emptied_once = True
            continue
        emptied_once = False
        settled += settle(store, entries)
    else:
        admission.kick_drain()  # budget spent with tickets left
    return settled


def reclaim(*, consumer: str | None = None, min_idle_seconds: float | None = None) -> int:
    """Take over tickets another worker took and did not finish (XAUTOCLAIM), and settle them."""
    store = admission.store()
    store.ensure_group()
    consumer = consumer or consumer_name()
    idle_ms = int(
        1000 * (settings.FLASH_SALE_RECLAIM_IDLE_SECONDS if min_idle_seconds is None else min_idle_seconds)
    )
    settled, start = 0, "0-0"
    while True:
        start, entries, *_ = store.redis.xautoclaim(
            flash_store.STREAM,
            flash_store.GROUP,
            consumer,
            idle_ms,
            start_id=start,
            count=settings.FLASH_SALE_DRAIN_BATCH,
        )
        if entries:
            settled += settle(store, [e for e in entries if e[1]])
        if start in (b"0-0", "0-0"):
            return settled


def _read(store, consumer: str, *, block_ms: int | None = None) -> list:
    answer = store.redis.xreadgroup(
        flash_store.GROUP,
        consumer,
        {flash_store.STREAM: ">"},
        count=settings.FLASH_SALE_DRAIN_BATCH,
        block=block_ms if block_ms and block_ms > 0 else None,  # BLOCK 0 would wait for ever
    )
    return answer[0][1] if answer else []


def settle(store, entries: list) -> int:
    """Place the orders of `entries`, each sale's tickets in one batch (`place_flash_batch`; ticket by
    ticket with `place_order` when the batch cannot be settled whole), then move the tickets and
    acknowledge the entries in one round trip. Entries whose orders could not be attempted (database
    down) are left pending for `reclaim`."""
    tickets = [_decode(fields) for _, fields in entries]
    users = _customers({t["user"] for t in tickets if t})
    skus = dict(
        FlashSale.objects.filter(pk__in={t["sale"] for t in tickets if t}).values_list("pk", "sku_id")
    )
    pipe = store.redis.pipeline(transaction=False)
    done = []
    by_sale: dict[int, list] = {}
    for (entry_id, _), ticket in zip(entries, tickets, strict=True):
        if ticket is None:
            logger.error("flash-sale stream entry %s is malformed; dropped", entry_id)
            done.append(entry_id)
        else:
            by_sale.setdefault(ticket["sale"], []).append((entry_id, ticket))
    for sale_id, group in by_sale.items():
        try:
            outcomes = _place_group(sale_id, [t for _, t in group], users, skus.get(sale_id))
        except Exception:  # noqa: BLE001 - left pending: `reclaim` retries them later
            logger.exception("flash sale %s: %d tickets not settled; they stay pending", sale_id, len(group))
            connection.close_if_unusable_or_obsolete()
            continue
        for entry_id, ticket in group:
            if ticket["ticket"] in outcomes:
                target, note = outcomes[ticket["ticket"]]
                store.move(sale_id, ticket["ticket"], target, note, pipe=pipe)
                done.append(entry_id)
    if done:
        pipe.xack(flash_store.STREAM, flash_store.GROUP, *done)
        pipe.xdel(flash_store.STREAM, *done)
        pipe.execute()
    return len(done)


def _place_group(sale_id: int, tickets: list[dict], users: dict, sku_id: int | None) -> dict:
    """ticket → (target state, order_no or error code) for one sale's tickets: one batch when it can be
    settled whole, else ticket by ticket. A ticket missing from the answer stays pending (its placement
    raised something other than a refusal: the database went away mid-way)."""
    from .actions.flash_batch import FlashTicket, place_flash_batch

    batch = [
        FlashTicket(
            ticket=t["ticket"],
            user_id=t["user"],
            quantity=t["qty"],
            address_id=t["address"],
            admitted_at=t["admitted"],
            key=admission.order_key(t["ticket"]),
        )
        for t in tickets
    ]
    if sku_id is not None and all(t["user"] in users for t in tickets):
        placed = place_flash_batch(sale_id, batch)
        if placed is not None:
            return {ticket: ("ordered", order_no) for ticket, order_no in placed.items()}
    outcomes = {}
    for t in tickets:
        try:
            outcomes[t["ticket"]] = _place(t, users.get(t["user"]), sku_id)
        except Exception:  # noqa: BLE001 - this one stays pending; the others are settled
            logger.exception("flash-sale ticket %s not settled; it stays pending", t["ticket"])
            connection.close_if_unusable_or_obsolete()
    return outcomes


def _decode(fields: dict) -> dict | None:
    try:
        d = {k.decode(): v.decode() for k, v in fields.items()}
        return {
            "ticket": d["ticket"],
            "sale": int(d["sale"]),
            "user": int(d["user"]),
            "qty": int(d["qty"]),
            "address": int(d["address"]),
            "admitted": datetime.fromtimestamp(int(d["admitted"]) / 1000, tz=UTC),
        }
    except (KeyError, ValueError, UnicodeDecodeError):
        return None


def _customers(ids: set[int]) -> dict:
    from wxmall.accounts.models import User

    return User.objects.in_bulk(ids) if ids else {}


def _place(ticket: dict, user, sku_id: int | None) -> tuple[str, str]:
    """(target state, order_no or error code) for one ticket."""
    from wxmall.core.errors import CommonError

    from .actions import place_order
    from .errors import CheckoutError

    if user is None:
        return "failed", CommonError.NOT_FOUND.code
    if sku_id is None:
        return "failed", CheckoutError.FLASH_SALE_NOT_FOUND.code
    try:
        order = place_order(
            user,
            items=[(sku_id, ticket["qty"])],
            address_id=ticket["address"],
            flash_sale_id=ticket["sale"],
            idempotency_key=admission.order_key(ticket["ticket"]),
            admitted_at=ticket["admitted"],
        )
    except DomainError as refused:
        return "failed", refused.code
    return "ordered", order.order_no


# --- Redis and the database agree -----------------------------------------------------------------------
def reconcile(*, sale_ids: list[int] | None = None) -> list[dict]:
    """Compare each recent sale's Redis counters with the database and repair them.

    The database is the truth for what orders hold; Redis adds what is still queued. For each sale:
    units left = quota − sold − units of queued tickets that have no order yet, and each customer's
    units likewise; tickets whose order was cancelled are marked released (their units are already
    free in the database, and the outbox's later release then finds nothing to do). The write is a
    compare-and-set on the sale's `version`: if admission or a worker changed the sale meanwhile, the
    sale is skipped (`busy`) and repaired on the next run."""
    store = admission.store()
    now = timezone.now()
    sales = FlashSale.objects.filter(ends_at__gt=now - timedelta(days=1))
    if sale_ids is not None:
        sales = FlashSale.objects.filter(pk__in=sale_ids)
    report = []
    for sale_id in sales.values_list("pk", flat=True):
        try:
            report.append(_reconcile_one(store, sale_id))
        except redis.RedisError as exc:
            logger.warning("flash-sale reconcile: Redis unavailable (%s)", type(exc).__name__)
            break
    return report


def _reconcile_one(store, sale_id: int) -> dict:
    snap = store.snapshot(sale_id)
    if not snap["armed"]:
        admission.arm(sale_id)
        return {"sale": sale_id, "armed": True}
    queued = snap["queued"]
    with transaction.atomic():
        if connection.vendor == "postgresql":  # one snapshot for all the reads below
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        sale = FlashSale.objects.get(pk=sale_id)
        units = admission.units_by_customer(sale_id)
        made = dict(
            Order.objects.filter(idempotency_key__in=[admission.order_key(t) for t in queued]).values_list(
                "idempotency_key", "status"
            )
        )
        cancelled = set(
            Order.objects.filter(
                status=OrderStatus.CANCELLED,
                idempotency_key__startswith=admission.KEY_PREFIX,
                lines__flash_sale_id=sale_id,
            ).values_list("idempotency_key", flat=True)
        )
    pending = {t: holder for t, holder in queued.items() if admission.order_key(t) not in made}
    released = [t for t in snap["ordered"] if admission.order_key(t) in cancelled]
    released += [t for t in queued if made.get(admission.order_key(t)) == OrderStatus.CANCELLED]
    for user, qty in pending.values():
        units[user] = units.get(user, 0) + qty
    left = sale.quota - sale.sold - sum(qty for _, qty in pending.values())
    result = store.reconcile(sale_id, snap["version"], admission.sale_config(sale), left, units, released)
    if result[0] == b"busy":
        return {"sale": sale_id, "busy": True}
    left_drift, users_drift = int(result[1]), int(result[2])
    if left_drift or users_drift or released:
        logger.warning(
            "flash sale %s: Redis repaired (left %+d, %d customers' counts, %d tickets released)",
            sale_id,
            left_drift,
            users_drift,
            len(released),
        )
    return {"sale": sale_id, "left_drift": left_drift, "users_drift": users_drift, "released": len(released)}
