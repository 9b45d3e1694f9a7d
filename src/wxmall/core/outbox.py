"""Writing to the outbox. The one entry point for every domain is `enqueue`.

    with transaction.atomic():
        order.status = "paid"; order.save()
        enqueue("merchant_webhook", "order.status_changed",
                {"order_no": order.order_no, "status": "paid"},
                key=f"merchant_webhook:order.status_changed:{order.order_no}:paid")

The row commits or rolls back with the business change; after commit the relay is kicked so delivery
starts at once (the periodic relay picks it up anyway if the kick is lost). Kicks are debounced: one per
transaction however many rows it wrote, and one per OUTBOX_KICK_WINDOW_SECONDS for the whole deployment
(a shared cache key per window), timed for the end of the window so it sees every row committed in it.
A burst of 800 notifications therefore costs a handful of relay runs, not 800. The kick names the relay
task (`RELAY_TASK`) instead of importing it, so this module stays below the relay and its tasks.

Destinations come from `settings.OUTBOX_DESTINATIONS`. A destination that is configured but has no
handler or an empty `url` is *disabled*: `enqueue` returns None and writes nothing, so a shop without a
merchant webhook does not pile up undeliverable rows. An unknown destination name is a programming
error and raises.

A handler is `handler(message, config) -> result`, named by dotted path in the destination's config:
it sends one message and returns normally on success. What it returns, if not None (e.g. the refund id
or msgid the other system assigned), must be plain JSON; it is stored on the row (`result`) and shown
in the console. It raises `DeliveryError` for a failure worth retrying and `PermanentError` when
retrying cannot help: the relay then dead-letters the row at once, for a person to look at.
"""

from __future__ import annotations

import json
import logging
import math
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from wxmall.celery import app as celery_app
from wxmall.core.models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_TASK = "wxmall.core.relay_outbox"


class DeliveryError(Exception):
    """Raised by a handler: the destination did not take the message; try again later."""


class PermanentError(DeliveryError):
    """Raised by a handler: the destination refused the message for good; dead-letter it now."""


class OutboxUsageError(RuntimeError):
    """`enqueue` called the wrong way (outside a transaction, or a key reused for something else)."""


def destination_config(destination: str) -> dict[str, Any]:
    try:
        return settings.OUTBOX_DESTINATIONS[destination]
    except KeyError:
        raise ImproperlyConfigured(
            f"unknown outbox destination {destination!r}; add it to OUTBOX_DESTINATIONS"
        ) from None


def timeout_seconds(destination: str) -> float:
    """How long one delivery to `destination` may wait on the other side (its `timeout`, else the
    global OUTBOX_HTTP_TIMEOUT_SECONDS). Handlers pass it to their HTTP client."""
    config = settings.OUTBOX_DESTINATIONS.get(destination, {})
    return float(config.get("timeout", settings.OUTBOX_HTTP_TIMEOUT_SECONDS))


def lease_seconds(destination: str) -> float:
    """How long a relay owns a claimed row of `destination`: one delivery's timeout plus a margin for the
    write-back (see `wxmall.core.relay` on what happens when a delivery outlives it)."""
    return timeout_seconds(destination) + settings.OUTBOX_LEASE_MARGIN_SECONDS


def is_enabled(destination: str) -> bool:
    config = destination_config(destination)
    return bool(config.get("handler")) and ("url" not in config or bool(config["url"]))


def enqueue(destination: str, kind: str, payload: dict[str, Any], *, key: str) -> OutboxMessage | None:
    """Add a message for `destination` to the outbox inside the caller's transaction.

    Idempotent on `key`: the same key again returns the row already written (even after delivery), so
    a retried business action does not send twice. Include the destination in the key; reusing a key
    for another destination or kind raises `OutboxUsageError`. Returns None when the destination is
    disabled (see module docstring).
    """
    if not transaction.get_connection().in_atomic_block:
        raise OutboxUsageError("enqueue must run inside the business transaction (transaction.atomic())")
    if not key:
        raise OutboxUsageError("enqueue needs a non-empty idempotency key")
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:  # fail here, in the caller's stack, not later in the relay
        raise OutboxUsageError(
            f"payload must be plain JSON (str, int, bool, None, list, dict; amounts in fen): {exc}"
        ) from exc
    if not is_enabled(destination):
        logger.debug("outbox destination %s disabled; %s not queued", destination, kind)
        return None
    # Insert under a savepoint and fall back to a read on the unique key, so two transactions enqueueing
    # the same key end with one row. Insert first (not get_or_create's read first): nearly every key is
    # new, so that read was a wasted statement on every payment's hot path.
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                idempotency_key=key, destination=destination, kind=kind, payload=payload
            )
        created = True
    except IntegrityError:
        message = OutboxMessage.objects.filter(idempotency_key=key).first()
        if message is None:  # the IntegrityError was about something else
            raise
        created = False
    if (message.destination, message.kind) != (destination, kind):
        raise OutboxUsageError(
            f"idempotency key {key!r} already used for {message.destination}/{message.kind}"
        )
    if created:
        kick_after_commit()
    return message


def kick_after_commit() -> None:
    """Kick the relay once this transaction commits: once per transaction, however many rows it wrote."""
    pending = transaction.get_connection().run_on_commit
    if not any(callback is kick_relay for _, callback, _ in pending):
        transaction.on_commit(kick_relay, robust=True)


def fan_out() -> bool:
    """Ask for relay runs of partitions 1…n-1 of a backlog (n = OUTBOX_RELAY_PARALLEL), each at most once
    per relay interval for the whole deployment; returns whether any was asked for. Never in eager mode
    (one process: the partitions would only run one after another)."""
    parts = settings.OUTBOX_RELAY_PARALLEL
    interval = max(settings.OUTBOX_RELAY_INTERVAL_SECONDS, 1)
    if parts < 2 or celery_app.conf.task_always_eager:
        return False
    sent = False
    for shard in range(1, parts):
        if cache.add(f"wxmall:outbox:shard:{shard}:{parts}", 1, timeout=max(1, int(interval))):
            signature = celery_app.signature(RELAY_TASK, kwargs={"shard": shard, "shards": parts})
            signature.apply_async(expires=interval * 2)
            sent = True
    return sent


def kick_relay() -> None:
    """Ask a worker to relay at the end of the current kick window, unless some process already did for
    this window (the shared cache decides; a lost race costs one extra kick, never a missed row: a row
    committed before this call is committed before the window ends). Failure to reach the broker is
    harmless: the periodic relay runs anyway. By name: the app resolves it to the registered task
    (honouring eager mode) or sends it as is."""
    window = settings.OUTBOX_KICK_WINDOW_SECONDS
    interval = max(settings.OUTBOX_RELAY_INTERVAL_SECONDS, 1)
    signature = celery_app.signature(RELAY_TASK)
    if window <= 0 or celery_app.conf.task_always_eager:
        signature.apply_async(expires=interval)
        return
    slot = math.floor(time.time() / window) + 1
    if not cache.add(f"wxmall:outbox:kick:{slot}", 1, timeout=max(60, int(window * 10))):
        return
    eta = datetime.fromtimestamp(slot * window, UTC)
    # A kick nobody took up well after its time is superseded by the periodic run (a stopped worker must
    # not come back to a pile of them); "well after" leaves room for the broker's own polling delay.
    expires = datetime.fromtimestamp(slot * window + max(2 * interval, 10), UTC)
    signature.apply_async(eta=eta, expires=expires)
