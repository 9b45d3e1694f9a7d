"""Manual compensation (replay, discard) and the console's read side."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from wxmall.core import queries
from wxmall.core.actions import discard, replay
from wxmall.core.errors import DomainError, OutboxError
from wxmall.core.models import (
    BreakerState,
    CircuitBreaker,
    DeliveryAttempt,
    OutboxAuditEntry,
    OutboxMessage,
    OutboxStatus,
)
from wxmall.core.outbox import enqueue
from wxmall.core.relay import relay


def put(key="a1"):
    with transaction.atomic():
        return enqueue("merchant_webhook", "order.status_changed", {"order_no": key}, key=key)


def dead_letter(webhook, key="a1"):
    message = put(key)
    webhook.answer_next(400)
    relay()
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    return message


@pytest.mark.django_db
def test_replay_of_a_dead_letter_delivers_it_and_is_audited(webhook, admin_user):
    message = dead_letter(webhook)
    replayed = replay(message.pk, admin_user)
    assert replayed.status == OutboxStatus.PENDING and replayed.attempts == 0
    assert replayed.next_attempt_at <= timezone.now()
    [entry] = OutboxAuditEntry.objects.all()
    assert (entry.action, entry.staff, entry.from_status) == ("replay", admin_user, OutboxStatus.DEAD)
    assert relay().delivered == 1
    assert webhook.keys() == ["a1", "a1"]  # replay keeps the idempotency key


@pytest.mark.django_db
def test_discard_then_replay(webhook, admin_user):
    message = put()
    discarded = discard(message.pk, admin_user, "  商家已人工处理  ")
    assert discarded.status == OutboxStatus.DISCARDED
    assert discarded.discarded_by == admin_user and discarded.discard_reason == "商家已人工处理"
    assert discarded.discarded_at is not None
    assert relay().delivered == 0 and webhook.requests == []  # discarded rows are not delivered
    replayed = replay(message.pk, admin_user)
    assert replayed.status == OutboxStatus.PENDING and replayed.discarded_by is None
    assert list(OutboxAuditEntry.objects.order_by("id").values_list("action", "from_status")) == [
        ("discard", "pending"),
        ("replay", "discarded"),
    ]


@pytest.mark.django_db
def test_replay_refused_for_pending_or_delivered(webhook, admin_user):
    message = put()
    with pytest.raises(DomainError) as exc:
        replay(message.pk, admin_user)
    assert exc.value.error is OutboxError.NOT_REPLAYABLE and exc.value.status == 409
    relay()
    with pytest.raises(DomainError):
        replay(message.pk, admin_user)
    assert OutboxAuditEntry.objects.count() == 0
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.attempts == 1


@pytest.mark.django_db
def test_discard_refused_for_delivered_and_without_reason(webhook, admin_user):
    message = put()
    for reason in ("", "   ", None):
        with pytest.raises(DomainError) as exc:
            discard(message.pk, admin_user, reason)
        assert exc.value.error is OutboxError.DISCARD_REASON_REQUIRED
    relay()
    with pytest.raises(DomainError) as exc:
        discard(message.pk, admin_user, "太晚了")
    assert exc.value.error is OutboxError.NOT_DISCARDABLE
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.discard_reason == ""
    assert OutboxAuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_unknown_message(admin_user):
    with pytest.raises(DomainError) as exc:
        replay(999999, admin_user)
    assert exc.value.error is OutboxError.MESSAGE_NOT_FOUND and exc.value.status == 404


@pytest.mark.django_db
def test_message_lists_filter_by_status_and_destination(webhook, settings):
    settings.OUTBOX_DESTINATIONS["wechat.store"] = {
        "handler": "wxmall.core.webhook.post_webhook",
        "url": webhook.url,
        "secret": "x",
    }
    dead = dead_letter(webhook, "d1")
    pending = put("p1")
    with transaction.atomic():
        store = enqueue("wechat.store", "product.updated", {}, key="s1")
    assert [m.pk for m in queries.messages()] == [store.pk, pending.pk, dead.pk]
    assert [m.pk for m in queries.messages(status="dead")] == [dead.pk]
    assert [m.pk for m in queries.messages(destination="wechat.store")] == [store.pk]
    assert queries.status_counts() == {"pending": 2, "delivered": 0, "dead": 1, "discarded": 0}


@pytest.mark.django_db
def test_destination_health(webhook):
    message = put()
    now = timezone.now()
    for i, (ok, ms) in enumerate([(True, 10), (True, 20), (False, 30), (True, 40), (True, 1000)]):
        DeliveryAttempt.objects.create(
            message=message,
            destination="merchant_webhook",
            ok=ok,
            latency_ms=ms,
            at=now - timedelta(minutes=i),
        )
    # Outside the 24 h window: ignored.
    DeliveryAttempt.objects.create(
        message=message,
        destination="merchant_webhook",
        ok=False,
        latency_ms=99999,
        at=now - timedelta(hours=25),
    )
    CircuitBreaker.objects.create(
        destination="merchant_webhook",
        state=BreakerState.OPEN,
        consecutive_failures=5,
        opened_until=now + timedelta(seconds=30),
    )
    [health] = queries.destination_health(now=now)
    assert health.destination == "merchant_webhook" and health.enabled
    assert (health.attempts, health.succeeded, health.success_rate) == (5, 4, 0.8)
    assert (health.p50_ms, health.p95_ms) == (30, 1000)
    assert health.pending == 1 and health.dead == 0
    assert health.breaker_state == "open" and health.breaker_state_label == "熔断"


@pytest.mark.django_db
def test_destination_health_with_no_traffic(webhook):
    [health] = queries.destination_health()
    assert health.attempts == 0 and health.success_rate is None and health.p50_ms is None
    assert health.breaker_state == "closed"


@pytest.mark.django_db
def test_attempts_per_hour_today(webhook, settings):
    from zoneinfo import ZoneInfo

    message = put()
    tz = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now().astimezone(tz).replace(hour=15, minute=30)
    for minutes, ok in [(0, True), (5, False), (60, True)]:  # 15:30, 15:25, 14:30 local time
        DeliveryAttempt.objects.create(
            message=message,
            destination="merchant_webhook",
            ok=ok,
            latency_ms=5,
            at=now - timedelta(minutes=minutes),
        )
    DeliveryAttempt.objects.create(
        message=message, destination="merchant_webhook", ok=True, latency_ms=5, at=now - timedelta(days=1)
    )  # yesterday
    hours = queries.attempts_per_hour_today(now=now)
    assert len(hours) == 24
    assert hours[15] == {"hour": 15, "ok": 1, "failed": 1}
    assert hours[14] == {"hour": 14, "ok": 1, "failed": 0}
    assert sum(h["ok"] + h["failed"] for h in hours) == 3


@pytest.mark.django_db
def test_purge_drops_only_old_delivered_rows(webhook, settings):
    from wxmall.core.actions import purge_delivered

    settings.OUTBOX_RETENTION_DAYS = 30
    now = timezone.now()
    old, recent, dead = put("old"), put("recent"), put("dead")
    relay()
    old_discarded = put("old-discarded")
    OutboxMessage.objects.filter(pk=old.pk).update(delivered_at=now - timedelta(days=31))
    OutboxMessage.objects.filter(pk=dead.pk).update(status=OutboxStatus.DEAD, delivered_at=None)
    OutboxMessage.objects.filter(pk=old_discarded.pk).update(
        status=OutboxStatus.DISCARDED, created_at=now - timedelta(days=90)
    )
    DeliveryAttempt.objects.filter(message=dead).update(at=now - timedelta(days=31))
    assert purge_delivered(now=now) == 1
    assert set(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == {
        "recent",
        "dead",
        "old-discarded",
    }
    assert not DeliveryAttempt.objects.filter(message=dead).exists()  # aged out with its row kept
    assert DeliveryAttempt.objects.filter(message=recent).exists()
    assert purge_delivered(now=now) == 0


def test_purge_is_scheduled_nightly(settings):
    from wxmall.celery import app

    entry = app.conf.beat_schedule["outbox-purge"]
    assert entry["task"] == "wxmall.core.purge_outbox" and entry["task"] in app.tasks
