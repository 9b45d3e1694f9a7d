"""State changes on outbox rows outside the relay: manual compensation by staff from the console
(each in one transaction, row locked, only from the states it allows, with an audit entry), and the
nightly purge of delivered rows."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wxmall.core.errors import DomainError, OutboxError
from wxmall.core.models import DeliveryAttempt, OutboxAuditEntry, OutboxMessage, OutboxStatus
from wxmall.core.outbox import kick_after_commit

REPLAYABLE = (OutboxStatus.DEAD, OutboxStatus.DISCARDED)
DISCARDABLE = (OutboxStatus.PENDING, OutboxStatus.DEAD)
MAX_REASON_CHARS = 500


def _locked(message_id: int) -> OutboxMessage:
    try:
        return OutboxMessage.objects.select_for_update().get(pk=message_id)
    except OutboxMessage.DoesNotExist:
        raise DomainError(OutboxError.MESSAGE_NOT_FOUND) from None


def replay(message_id: int, staff) -> OutboxMessage:
    """Dead or discarded → pending with a fresh attempt budget, due now. Delivery reuses the original
    idempotency key, so a receiver that did get an earlier try drops the duplicate."""
    with transaction.atomic():
        message = _locked(message_id)
        now = timezone.now()
        changed = OutboxMessage.objects.filter(pk=message.pk, status__in=REPLAYABLE).update(
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            lease_token="",
            leased_until=None,
            discarded_by=None,
            discarded_at=None,
            discard_reason="",
        )
        if not changed:
            raise DomainError(OutboxError.NOT_REPLAYABLE)
        OutboxAuditEntry.objects.create(
            message=message,
            action=OutboxAuditEntry.Action.REPLAY,
            staff=staff,
            from_status=message.status,
            at=now,
        )
        kick_after_commit()
    message.refresh_from_db()
    return message


def discard(message_id: int, staff, reason: str) -> OutboxMessage:
    """Pending or dead → discarded: a person decided it must not be delivered (or was handled by hand).
    A relay delivering it at this moment keeps its HTTP call but cannot mark it delivered afterwards."""
    reason = (reason or "").strip()[:MAX_REASON_CHARS]
    if not reason:
        raise DomainError(OutboxError.DISCARD_REASON_REQUIRED)
    with transaction.atomic():
        message = _locked(message_id)
        now = timezone.now()
        changed = OutboxMessage.objects.filter(pk=message.pk, status__in=DISCARDABLE).update(
            status=OutboxStatus.DISCARDED,
            discarded_by=staff,
            discarded_at=now,
            discard_reason=reason,
            lease_token="",
            leased_until=None,
        )
        if not changed:
            raise DomainError(OutboxError.NOT_DISCARDABLE)
        OutboxAuditEntry.objects.create(
            message=message,
            action=OutboxAuditEntry.Action.DISCARD,
            staff=staff,
            from_status=message.status,
            reason=reason,
            at=now,
        )
    message.refresh_from_db()
    return message


PURGE_CHUNK = 1000


def purge_delivered(*, now=None) -> int:
    """Delete delivered rows (and any delivery attempts) older than OUTBOX_RETENTION_DAYS, in chunks so
    no single transaction holds the table for long. Returns how many messages were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED, delivered_at__lt=cutoff).values_list(
                "pk", flat=True
            )[:PURGE_CHUNK]
        )
        if not ids:
            break
        with transaction.atomic():
            # The status guard again: a row replayed meanwhile is not delivered any more and stays.
            deleted += (
                OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.DELIVERED)
                .delete()[1]
                .get(OutboxMessage._meta.label, 0)
            )
    # Attempts of rows still kept (dead, retried) age out too; the console's stats look back 24 hours.
    DeliveryAttempt.objects.filter(at__lt=cutoff).delete()
    return deleted
