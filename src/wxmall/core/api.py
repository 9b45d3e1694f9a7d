"""/api/core: the outbox's health for monitoring and scripts, and manual compensation for staff.
Session auth (staff only; CSRF token required on POST: cookie `csrftoken` + header `X-CSRFToken`)."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema
from ninja.security import django_auth

from wxmall.core import actions, queries
from wxmall.core.errors import CommonError, DomainError
from wxmall.core.models import OutboxMessage
from wxmall.core.schemas import AUTH_WRITE, BODY, errors
from wxmall.core.validation import PathId, Text

router = Router(auth=django_auth, tags=["outbox"])


def _require_staff(request) -> None:
    if not request.auth.is_staff:
        raise DomainError(CommonError.PERMISSION_DENIED)


class DestinationHealthOut(Schema):
    destination: str
    enabled: bool
    attempts: int
    succeeded: int
    success_rate: float | None
    p50_ms: int | None
    p95_ms: int | None
    delivered: int
    pending: int
    dead: int
    breaker_state: str
    consecutive_failures: int
    opened_until: datetime | None


class OutboxHealthOut(Schema):
    counts: dict[str, int]
    destinations: list[DestinationHealthOut]


class MessageOut(Schema):
    id: int
    destination: str
    kind: str
    idempotency_key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


class DiscardIn(Schema):
    reason: Text(500)


def _message(message: OutboxMessage) -> MessageOut:
    return MessageOut(
        id=message.pk,
        destination=message.destination,
        kind=message.kind,
        idempotency_key=message.idempotency_key,
        status=message.status,
        attempts=message.attempts,
        next_attempt_at=message.next_attempt_at,
        last_error=message.last_error,
        created_at=message.created_at,
        delivered_at=message.delivered_at,
    )


@router.get(
    "/outbox/health",
    response={200: OutboxHealthOut, **errors(401, 403)},
    summary="外发消息投递健康（最近 24 小时）",
)
def outbox_health(request):
    _require_staff(request)
    return OutboxHealthOut(
        counts=queries.status_counts(),
        destinations=[DestinationHealthOut(**vars(h)) for h in queries.destination_health()],
    )


@router.post(
    "/outbox/{message_id}/replay",
    response={200: MessageOut, **errors(*AUTH_WRITE, 404, 409)},
    summary="重放死信或已丢弃消息",
)
def replay(request, message_id: PathId):
    _require_staff(request)
    return _message(actions.replay(message_id, request.auth))


@router.post(
    "/outbox/{message_id}/discard",
    response={200: MessageOut, **errors(*AUTH_WRITE, 404, 409, *BODY)},
    summary="丢弃消息（需填写原因）",
)
def discard(request, message_id: PathId, payload: DiscardIn):
    _require_staff(request)
    return _message(actions.discard(message_id, request.auth, payload.reason))
