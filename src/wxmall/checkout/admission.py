"""Flash-sale admission: a buyer asks for a unit and gets a ticket at once; the order follows.

Two modes, one behaviour (the same tests run on both):

- **Queued** (`FLASH_SALE_REDIS_URL`, default `REDIS_URL`, is set): one Lua script per request checks
  the sale window, the customer's limit and the units left, reserves the units and appends the ticket to
  a Redis Stream, atomically (`flash_store`). Celery workers on the `flash` queue turn tickets into
  orders in batches (`tickets.drain`, `actions.flash_batch`) by the rules of `place_order`, which the
  synchronous path calls: prices re-read from the database once per batch, stock and the sale's `sold`
  taken with one guarded UPDATE each per batch, the customers' limits counted under their row locks; a
  batch that cannot be placed whole is placed ticket by ticket with `place_order` itself. The order's idempotency key is `flash:<ticket>` (unique
  per customer), so a ticket delivered twice never makes two orders. A ticket refused there (address
  gone, SKU unlisted, the database disagreeing) fails and gives its units back; a cancelled unpaid order
  gives them back through the outbox (destination `flash_release`). Each unit goes back exactly once:
  the ticket's state moves by script, once.
- **Synchronous** (no Redis: the embedded demo on SQLite): the order is placed in the request; the
  ticket comes back already `ordered`, or the refusal is raised.

Redis is a fast gate, never the authority: the database's guarded UPDATEs decide what is sold, so
Redis can at worst admit a buyer the database then refuses (the ticket fails, the unit returns), never
oversell. Drift between the two is repaired by `tickets.reconcile` (beat, every
FLASH_SALE_RECONCILE_INTERVAL_SECONDS).

Recovery (assumption: Redis runs with AOF, `appendonly yes`, `appendfsync everysec`):
- Redis killed and restarted: Redis writes the AOF before it answers a command, so every ticket a buyer
  was told about is in the stream after the restart (only an OS crash or power loss can lose up to the
  last second). Admission answers 503 flash_sale_busy while Redis is down; nothing is half-done because
  each step is one script. Without AOF a restart empties Redis: admission re-arms each sale from the
  database (`quota - sold`), so no unit is lost or sold twice, but tickets not yet materialised are gone
  (their buyers see flash_ticket_not_found and may try again). Run Redis with AOF in production.
- A worker killed mid-batch: its unacknowledged entries stay pending in the consumer group and are taken
  over (XAUTOCLAIM) after FLASH_SALE_RECLAIM_IDLE_SECONDS; replaying one returns the order already made.
- The database briefly down: the worker leaves the batch pending and it is retried; admission goes on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import redis
from django.conf import settings
from django.utils import timezone

from wxmall.core.errors import DomainError
from wxmall.orders.models import Order

from . import flash_store
from .errors import CheckoutError
from .models import FlashSale, FlashSalePurchase

logger = logging.getLogger(__name__)

TICKET_ID = re.compile(r"[0-9a-f]{32}")
KEY_PREFIX = "flash:"  # Order.idempotency_key of an order made from a ticket
KICK_MS = 500  # at most one drain request per this many ms from all web processes together


@dataclass(frozen=True)
class Ticket:
    id: str
    status: str  # queued | ordered | failed | released
    order_no: str = ""
    code: str = ""  # why it failed (an error code), "" otherwise
    replayed: bool = False  # the same request was admitted before

    @property
    def message(self) -> str:
        if self.status == "queued":
            return "排队中…"
        if self.status == "ordered":
            return "抢购成功，请尽快支付"
        error = _error_for(self.code)
        return error.message if error else "订单已取消，名额已释放"


@dataclass(frozen=True)
class Customer:
    """The signed-in customer as queued admission needs them: the id (see api.SessionAuth)."""

    pk: int


def queued_mode() -> bool:
    return bool(settings.FLASH_SALE_REDIS_URL)


def store() -> flash_store.FlashStore:
    return flash_store.store_for(settings.FLASH_SALE_REDIS_URL)


def ticket_id(user_id: int, flash_sale_id: int, idempotency_key: str | None) -> str:
    """The same buyer repeating the same request (same idempotency key) gets the same ticket; without a
    key every request is new. Keyed with SECRET_KEY so nobody can compute another customer's ticket."""
    if not idempotency_key:
        return secrets.token_hex(16)
    message = f"{user_id}:{flash_sale_id}:{idempotency_key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def order_key(ticket: str) -> str:
    return KEY_PREFIX + ticket


def ticket_of(order: Order) -> str | None:
    key = order.idempotency_key or ""
    return key[len(KEY_PREFIX) :] if key.startswith(KEY_PREFIX) else None


# --- admitting ------------------------------------------------------------------------------------------
def admit(
    user,
    flash_sale_id: int,
    *,
    address_id: int,
    quantity: int = 1,
    idempotency_key: str | None = None,
) -> Ticket:
    """Admit `user` to buy `quantity` units of a flash sale, shipped to one of their addresses. Raises
    DomainError for a refusal (not on, over the limit, sold out, unknown address…); otherwise returns
    the ticket (queued, or already ordered in synchronous mode)."""
    from . import pricing
    from .actions.placement import IDEMPOTENCY_KEY

    pricing.check_quantity(quantity)
    if idempotency_key is not None and not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise DomainError(CheckoutError.INVALID_IDEMPOTENCY_KEY)
    ticket = ticket_id(user.pk, flash_sale_id, idempotency_key)
    if not queued_mode():
        _check_address(user, address_id)
        return _place_now(user, flash_sale_id, ticket, address_id=address_id, quantity=quantity)
    # The steady state is one script and no database read: the sale is armed in Redis and the address
    # is one Redis already saw confirmed. Otherwise the database is asked once and the script re-run.
    now_ms = _ms(timezone.now())
    confirmed = False  # the database has just said the address is theirs: the script remembers it
    for _ in range(3):
        try:
            outcome, extra = store().admit(
                flash_sale_id,
                now_ms=now_ms,
                user_id=user.pk,
                qty=quantity,
                ticket=ticket,
                address_id=address_id,
                kick_ms=KICK_MS,
                address_confirmed=confirmed,
            )
            if outcome == "unarmed":
                arm(flash_sale_id)
            elif outcome == "address_unknown":
                _check_address(user, address_id)
                confirmed = True
            else:
                break
        except redis.RedisError as exc:
            logger.warning("flash-sale admission: Redis unavailable (%s)", type(exc).__name__)
            raise DomainError(CheckoutError.FLASH_SALE_BUSY) from None
    else:
        raise DomainError(CheckoutError.FLASH_SALE_BUSY)  # Redis kept losing the sale: try again
    if outcome == "queued":
        if extra:
            kick_drain()
        return Ticket(ticket, "queued")
    if outcome == "replay":
        return status(user, ticket, replayed=True)
    error = _error_for(outcome) or CheckoutError.FLASH_SALE_NOT_FOUND
    raise DomainError(error)


def _check_address(user, address_id: int) -> None:
    """Cheap and friendly: an unknown address is refused now rather than failing the ticket later."""
    from wxmall.accounts.models import Address

    if not Address.objects.filter(pk=address_id, user_id=user.pk).exists():
        from wxmall.accounts.errors import AccountError

        raise DomainError(AccountError.ADDRESS_NOT_FOUND)


def on_address_deleted(sender, instance, **kwargs) -> None:
    """An address gone from the database is no longer trusted by admission's cache (post_delete)."""
    if not queued_mode():
        return
    try:
        store().forget_addresses(instance.user_id)
    except redis.RedisError:  # the entry's TTL bounds it; the worker refuses the address anyway
        logger.warning("flash-sale address cache not cleared for customer %s", instance.user_id)


def _place_now(user, flash_sale_id: int, ticket: str, *, address_id: int, quantity: int) -> Ticket:
    from . import pricing, queries
    from .actions import place_order

    sale = queries.flash_sale_for(flash_sale_id, user)
    if sale is None:
        raise DomainError(CheckoutError.FLASH_SALE_NOT_FOUND)
    problem = pricing.flash_sale_problem(
        sale, now=timezone.now(), quantity=quantity, user_bought=sale.user_bought
    )
    if problem and not _order_for(user, ticket):
        # Refused on a plain read, by the same rules place_order applies, without queueing for the
        # write lock (SQLite has one writer). Only refusals are decided here; the units themselves are
        # taken by place_order's guarded UPDATE.
        raise DomainError(problem)
    sku_id = sale.sku_id
    order = place_order(
        user,
        items=[(sku_id, quantity)],
        address_id=address_id,
        flash_sale_id=flash_sale_id,
        idempotency_key=order_key(ticket),
    )
    return Ticket(ticket, _order_state(order.status), order_no=order.order_no, replayed=order.replayed)


def kick_drain() -> None:
    """Ask a worker to drain now (at most every KICK_MS; the script decides). Harmless if the broker is
    unreachable: the beat drains every FLASH_SALE_DRAIN_INTERVAL_SECONDS anyway."""
    from wxmall.celery import app

    try:
        app.signature("wxmall.checkout.drain_flash_tickets").apply_async(
            expires=max(settings.FLASH_SALE_DRAIN_INTERVAL_SECONDS, 1)
        )
    except Exception:  # noqa: BLE001 - a lost kick only delays the drain until the beat's
        logger.warning("flash-sale drain kick not sent", exc_info=True)


def arm(flash_sale_id: int) -> None:
    """Load a sale into Redis from the database if it is not there (first buyer, or Redis lost it):
    units left = quota - sold, each customer's units from their purchases. A no-op if it is armed."""
    sale = FlashSale.objects.filter(pk=flash_sale_id).first()
    if sale is None:
        raise DomainError(CheckoutError.FLASH_SALE_NOT_FOUND)
    store().arm(sale.pk, sale_config(sale), sale.quota - sale.sold, units_by_customer(sale.pk))


def sale_config(sale: FlashSale) -> flash_store.SaleConfig:
    return flash_store.SaleConfig(
        active=sale.is_active,
        starts_ms=_ms(sale.starts_at),
        ends_ms=_ms(sale.ends_at),
        limit=sale.per_user_limit,
        quota=sale.quota,
    )


def units_by_customer(flash_sale_id: int) -> dict[int, int]:
    from django.db.models import Sum

    rows = (
        FlashSalePurchase.objects.filter(flash_sale_id=flash_sale_id)
        .values("user_id")
        .annotate(units=Sum("quantity"))
        .values_list("user_id", "units")
    )
    return dict(rows)


# --- following a ticket ---------------------------------------------------------------------------------
def status(user, ticket: str, *, replayed: bool = False) -> Ticket:
    """Where a customer's ticket stands. Redis first (queued tickets exist only there), then the
    database: an order made from the ticket outlives the ticket's record in Redis."""
    if queued_mode():
        try:
            data = store().ticket(ticket)
        except redis.RedisError:
            data = {}
        if data and data.get("user") == str(user.pk):
            state = data.get("state", "")
            if state in ("queued", "failed"):
                return Ticket(ticket, state, code=data.get("code", ""), replayed=replayed)
    order = _order_for(user, ticket)
    if order is None:
        raise DomainError(CheckoutError.FLASH_TICKET_NOT_FOUND)
    return Ticket(ticket, _order_state(order.status), order_no=order.order_no, replayed=replayed)


def _order_for(user, ticket: str) -> Order | None:
    return (
        Order.objects.filter(user_id=user.pk, idempotency_key=order_key(ticket))
        .only("order_no", "status")
        .first()
    )


def _order_state(order_status: str) -> str:
    from wxmall.orders.state import OrderStatus

    return "released" if order_status == OrderStatus.CANCELLED else "ordered"


def _error_for(code: str) -> CheckoutError | None:
    for error in CheckoutError:
        if error.code == code:
            return error
    from wxmall.accounts.errors import AccountError

    for error in AccountError:
        if error.code == code:
            return error
    return None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# --- giving units back when an order from a ticket is cancelled -----------------------------------------
RELEASE_DESTINATION = "flash_release"
RELEASE = "release_ticket"


def on_order_cancelled(order: Order, flash_sale_id: int) -> None:
    """Called by `release` inside the cancelling transaction: the ticket's units go back to Redis after
    the commit, through the outbox (delivered at least once; the ticket's move makes it count once)."""
    from wxmall.core import outbox

    ticket = ticket_of(order)
    if ticket is None or not queued_mode():
        return
    outbox.enqueue(
        RELEASE_DESTINATION,
        RELEASE,
        {"ticket": ticket, "flash_sale": flash_sale_id},
        key=f"{RELEASE_DESTINATION}:{ticket}",
    )


def deliver_release(message, config: dict) -> str:
    """Outbox handler of `flash_release`: move the ticket to released (a no-op if it was already)."""
    from wxmall.core.outbox import DeliveryError

    try:
        return store().move(int(message.payload["flash_sale"]), message.payload["ticket"], "released")
    except redis.RedisError as exc:
        raise DeliveryError(f"Redis unavailable: {type(exc).__name__}") from exc
