"""Manual compensation on outbox rows, done by staff from the console. Each action runs in one
transaction, locks the row, changes it only from the states it allows, and leaves an audit entry."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from wxmall.core.errors import DomainError, OutboxError
from wxmall.core.models import OutboxAuditEntry, OutboxMessage, OutboxStatus
from wxmall.core.outbox import kick_relay

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
        transaction.on_commit(kick_relay, robust=True)
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
