"""The outbox relay: claims due rows, delivers them through their destination's handler, and records
the outcome. Safe to run in any number of processes at once.

Claiming is one guarded UPDATE per row (`status = pending AND due AND lease free`), which both SQLite
and PostgreSQL apply atomically, so two relays never hold the same row. Each write-back is guarded by
the relay's lease token and `status = pending`: a relay whose lease ran out, or a row a person
discarded meanwhile, is never overwritten.

Leases. A relay claims one row right before delivering it, for `outbox.lease_seconds(destination)`:
the destination's HTTP timeout plus OUTBOX_LEASE_MARGIN_SECONDS (10 s + 5 s by default). The lease is
tied to the timeout because a delivery is one bounded call: a relay still alive is done (or has given
up) by then. A relay killed mid-delivery (worker OOM, deploy) leaves its row leased; the next relay run
after the lease ends takes it over, so a killed delivery is retried about 15 s later, not a minute.
The console shows rows in flight and until when their lease runs.
The price of a short lease: httpx's timeout bounds each phase of a call (connect, each read), not its
total, so a receiver trickling bytes can keep one call alive past the lease. Another relay then
delivers the row again, and the first relay's late write-back is refused by the token guard: a
duplicate, never a lost or overwritten outcome.

Delivery is therefore at least once: after a takeover, a replay by staff, or a lease outlived, the
receiver gets the same message again with the same `Idempotency-Key` header. Receivers MUST record
the keys they processed and drop repeats (the merchant webhook's contract, README "Outbox").

Failures back off exponentially with full jitter: the n-th failure waits a uniform random time in
[0, min(OUTBOX_BACKOFF_MAX_SECONDS, OUTBOX_BACKOFF_BASE_SECONDS * 2**(n-1))]. After
OUTBOX_MAX_ATTEMPTS tries, or at once on a `PermanentError`, the row is a dead letter for the console.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Mod
from django.utils import timezone
from django.utils.module_loading import import_string

from wxmall.core import breaker
from wxmall.core.models import CircuitBreaker, DeliveryAttempt, OutboxMessage, OutboxStatus
from wxmall.core.outbox import DeliveryError, PermanentError, is_enabled, lease_seconds

logger = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000
MAX_RESULT_CHARS = 4000  # a handler's result, as JSON: an id or a small object, never a whole response


@dataclass
class RelayResult:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0  # claimed by another relay, or held back by an open breaker
    seen: int = 0  # due rows this pass looked at (a full batch means more may be waiting)


def backoff_seconds(failures: int) -> float:
    """Full jitter (AWS architecture blog, "Exponential Backoff And Jitter")."""
    ceiling = min(
        settings.OUTBOX_BACKOFF_MAX_SECONDS, settings.OUTBOX_BACKOFF_BASE_SECONDS * 2 ** (failures - 1)
    )
    return random.uniform(0, ceiling)


def _lease_free(now: datetime) -> Q:
    return Q(leased_until__isnull=True) | Q(leased_until__lte=now)


def _background_destinations() -> list[str]:
    return [name for name, config in settings.OUTBOX_DESTINATIONS.items() if config.get("background")]


def due(now: datetime, limit: int, shard: tuple[int, int] | None = None) -> list[tuple[int, str]]:
    """(id, destination) of rows to try now, oldest due first, except that rows of `background`
    destinations (the hub's own bookkeeping, e.g. points) come after what other systems wait for, so a
    burst's webhooks are not queued behind its points; destinations behind an open breaker are left out
    (their rows wait without spending attempts: see `wxmall.core.breaker`). `shard` (k, n) keeps the
    rows whose id is k modulo n: relays working through one backlog in parallel do not race for rows."""
    rows = (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .filter(_lease_free(now))
        .exclude(destination__in=breaker.blocked_destinations(now))
    )
    if shard is not None:
        rows = rows.annotate(partition=Mod("id", shard[1])).filter(partition=shard[0])
    background = _background_destinations()
    if background:
        rows = rows.annotate(
            later=Case(When(destination__in=background, then=Value(1)), default=Value(0))
        ).order_by("later", "next_attempt_at", "id")
    else:
        rows = rows.order_by("next_attempt_at", "id")
    return list(rows.values_list("id", "destination")[:limit])


def claim(message_id: int, token: str, now: datetime, destination: str | None = None) -> bool:
    """Take the row for one delivery, for the destination's lease (looked up when not given)."""
    if destination is None:
        destination = (
            OutboxMessage.objects.filter(pk=message_id).values_list("destination", flat=True).first()
        )
        if destination is None:
            return False
    lease = timedelta(seconds=lease_seconds(destination))
    return (
        OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .filter(_lease_free(now))
        .update(lease_token=token, leased_until=now + lease)
        == 1
    )


def _held(message: OutboxMessage, token: str):
    """The row, only while this relay still holds it."""
    return OutboxMessage.objects.filter(pk=message.pk, lease_token=token, status=OutboxStatus.PENDING)


def relay(
    *, now: datetime | None = None, limit: int | None = None, shard: tuple[int, int] | None = None
) -> RelayResult:
    """One pass over the due rows (of one partition with `shard`). `now` pins the clock (tests); by
    default each row uses the real time."""
    result = RelayResult()
    token = uuid.uuid4().hex
    for message_id, destination in due(now or timezone.now(), limit or settings.OUTBOX_RELAY_BATCH, shard):
        result.seen += 1
        at = now or timezone.now()
        if not claim(message_id, token, at, destination):
            result.skipped += 1
            continue
        message = OutboxMessage.objects.get(pk=message_id)
        if not breaker.allow(message.destination, at):
            # Not attempted, so no attempt is burnt; come back when the breaker may let a trial through.
            opened_until = CircuitBreaker.objects.get(destination=message.destination).opened_until
            _held(message, token).update(
                lease_token="",
                leased_until=None,
                next_attempt_at=max(opened_until or at, message.next_attempt_at),
            )
            result.skipped += 1
            continue
        deliver(message, token, at, result)
    return result


def _describe(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:MAX_ERROR_CHARS]


def storable_result(value) -> tuple[object, str]:
    """(what to store as the row's `result`, a note for `last_error`). The message was delivered either
    way, so a result that cannot be stored never turns into a retry (that would deliver it twice)."""
    if value is None:
        return None, ""
    try:
        size = len(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        return None, f"已投递，但处理结果不是 JSON，未保存：{type(exc).__name__}"[:MAX_ERROR_CHARS]
    if size > MAX_RESULT_CHARS:
        return None, f"已投递，但处理结果过大（{size} 字符，上限 {MAX_RESULT_CHARS}），未保存"
    return value, ""


def deliver(message: OutboxMessage, token: str, now: datetime, result: RelayResult) -> None:
    """Send one claimed row through its handler and write the outcome back (if the row is still ours)."""
    ok, permanent, error, returned = True, False, "", None
    started = time.monotonic()
    try:
        if not is_enabled(message.destination):
            raise DeliveryError(f"目标 {message.destination} 未配置（OUTBOX_DESTINATIONS）")
        config = settings.OUTBOX_DESTINATIONS[message.destination]
        returned = import_string(config["handler"])(message, config)
    except PermanentError as exc:
        ok, permanent, error = False, True, _describe(exc)
    except DeliveryError as exc:
        ok, error = False, _describe(exc)
    except Exception as exc:  # a bug in a handler must not stop the relay or lose the row
        logger.exception("outbox handler for %s crashed on message %s", message.destination, message.pk)
        ok, error = False, f"{type(exc).__name__}: {_describe(exc)}"
    latency_ms = int((time.monotonic() - started) * 1000)
    now += timedelta(milliseconds=latency_ms)  # outcome time, on the caller's clock (pinned in tests)
    attempts = message.attempts + 1

    with transaction.atomic():
        DeliveryAttempt.objects.create(
            message=message,
            destination=message.destination,
            ok=ok,
            latency_ms=latency_ms,
            error=error,
            at=now,
        )
        release = {"lease_token": "", "leased_until": None, "attempts": F("attempts") + 1}
        if ok:
            stored, note = storable_result(returned)
            if note:
                logger.error("outbox message %s: %s", message.pk, note)
            changed = _held(message, token).update(
                status=OutboxStatus.DELIVERED, delivered_at=now, result=stored, last_error=note, **release
            )
        elif permanent or attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            changed = _held(message, token).update(status=OutboxStatus.DEAD, last_error=error, **release)
        else:
            retry_at = now + timedelta(seconds=backoff_seconds(attempts))
            changed = _held(message, token).update(next_attempt_at=retry_at, last_error=error, **release)
    if not changed:
        logger.warning(
            "outbox message %s changed while being delivered (lease lost or discarded)", message.pk
        )
    elif ok:
        result.delivered += 1
    elif permanent or attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        result.dead += 1
    else:
        result.retried += 1

    if ok:
        breaker.record_success(message.destination)
    elif not permanent:
        breaker.record_failure(message.destination, now)
