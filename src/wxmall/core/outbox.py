"""Writing to the outbox. The one entry point for every domain is `enqueue`.

    with transaction.atomic():
        order.status = "paid"; order.save()
        enqueue("merchant_webhook", "order.status_changed",
                {"order_no": order.order_no, "status": "paid"},
                key=f"merchant_webhook:order.status_changed:{order.order_no}:paid")

The row commits or rolls back with the business change; after commit the relay is kicked so delivery
starts at once (the periodic relay picks it up anyway if the kick is lost).

Destinations come from `settings.OUTBOX_DESTINATIONS`. A destination that is configured but has no
handler or an empty `url` is *disabled*: `enqueue` returns None and writes nothing, so a shop without a
merchant webhook does not pile up undeliverable rows. An unknown destination name is a programming
error and raises.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from wxmall.core.models import OutboxMessage

logger = logging.getLogger(__name__)


class OutboxUsageError(RuntimeError):
    """`enqueue` called the wrong way (outside a transaction, or a key reused for something else)."""


def destination_config(destination: str) -> dict[str, Any]:
    try:
        return settings.OUTBOX_DESTINATIONS[destination]
    except KeyError:
        raise ImproperlyConfigured(
            f"unknown outbox destination {destination!r}; add it to OUTBOX_DESTINATIONS"
        ) from None


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
    # get_or_create inserts under a savepoint and falls back to a read on the unique key, so two
    # transactions enqueueing the same key end with one row.
    message, created = OutboxMessage.objects.get_or_create(
        idempotency_key=key, defaults={"destination": destination, "kind": kind, "payload": payload}
    )
    if (message.destination, message.kind) != (destination, kind):
        raise OutboxUsageError(
            f"idempotency key {key!r} already used for {message.destination}/{message.kind}"
        )
    if created:
        transaction.on_commit(kick_relay, robust=True)
    return message


def kick_relay() -> None:
    """Ask a worker to relay now. Failure to reach the broker is harmless: the periodic relay runs anyway."""
    from wxmall.core.tasks import relay_outbox

    relay_outbox.apply_async(expires=settings.OUTBOX_LEASE_SECONDS)
