"""The relay against a real HTTP receiver: headers and signature, retries with backoff, dead letters,
permanent errors, leases, and what the business transaction commits."""

import json
import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from wxmall.celery import app as celery_app
from wxmall.core import relay as relay_module
from wxmall.core.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from wxmall.core.outbox import enqueue, lease_seconds
from wxmall.core.relay import backoff_seconds, claim, relay
from wxmall.core.webhook import verify_signature

KIND = "order.status_changed"


def put(key="k1", payload=None, destination="merchant_webhook", kind=KIND):
    with transaction.atomic():
        return enqueue(
            destination, kind, payload or {"order_no": "WX202611230001", "status": "paid"}, key=key
        )


def exploding_handler(message, config):
    raise ValueError("handler bug")


@pytest.mark.django_db
def test_delivers_signed_json_with_idempotency_key(webhook):
    message = put(payload={"order_no": "WX1", "status": "paid", "note": "中文备注"})
    result = relay()
    assert result.delivered == 1
    [request] = webhook.requests
    assert request.path == "/hooks/wxmall"
    assert request.headers["idempotency-key"] == "k1"
    assert request.headers["x-wxmall-event"] == KIND
    assert request.headers["content-type"].startswith("application/json")
    assert verify_signature(
        webhook.secret,
        request.headers["x-wxmall-timestamp"],
        request.body,
        request.headers["x-wxmall-signature"],
    )
    assert not verify_signature(
        "another-secret",
        request.headers["x-wxmall-timestamp"],
        request.body,
        request.headers["x-wxmall-signature"],
    )
    body = json.loads(request.body)
    assert body["id"] == "k1" and body["event"] == KIND
    assert body["payload"] == {"order_no": "WX1", "status": "paid", "note": "中文备注"}
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.attempts == 1 and message.delivered_at
    assert message.lease_token == "" and message.leased_until is None
    [attempt] = DeliveryAttempt.objects.all()
    assert attempt.ok and attempt.destination == "merchant_webhook" and attempt.error == ""
    assert relay().delivered == 0  # nothing left to do
    assert len(webhook.requests) == 1


def test_signature_refuses_tampering_and_stale_timestamps():
    body = b'{"a":1}'
    from wxmall.core.webhook import sign

    sig = sign("s", "1700000000", body)
    assert verify_signature("s", "1700000000", body, sig, now=1700000100)
    assert not verify_signature("s", "1700000000", b'{"a":2}', sig, now=1700000100)
    assert not verify_signature("s", "1700000001", body, sig, now=1700000100)
    assert not verify_signature("s", "1700000000", body, sig, now=1700000000 + 301)
    assert not verify_signature("s", "not-a-number", body, sig)


@pytest.mark.django_db
def test_server_error_is_retried_later_with_backoff(webhook):
    message = put()
    webhook.answer_next(500)
    now = timezone.now()
    assert relay(now=now).retried == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert "HTTP 500" in message.last_error
    failed_at = DeliveryAttempt.objects.get().at  # `now` plus the attempt's latency
    assert (
        now <= failed_at <= message.next_attempt_at <= failed_at + timedelta(seconds=2)
    )  # first backoff: up to base
    assert message.lease_token == ""
    # Not due before its time: a relay just before next_attempt_at does nothing.
    assert relay(now=message.next_attempt_at - timedelta(microseconds=1)).delivered == 0
    assert len(webhook.requests) == 1
    assert relay(now=message.next_attempt_at).delivered == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.attempts == 2 and message.last_error == ""
    assert webhook.keys() == ["k1", "k1"]  # same idempotency key on every try
    assert list(DeliveryAttempt.objects.order_by("id").values_list("ok", flat=True)) == [False, True]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_transient_statuses_are_retried(webhook, status):
    message = put()
    webhook.answer_next(status)
    assert relay().retried == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and f"HTTP {status}" in message.last_error


@pytest.mark.django_db
@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_permanent_client_error_dead_letters_at_once(webhook, status):
    message = put()
    webhook.answer_next(status)
    assert relay().dead == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD and message.attempts == 1
    assert f"HTTP {status}" in message.last_error


@pytest.mark.django_db
def test_dead_letter_after_max_attempts(webhook, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = put()
    webhook.default_status = 500
    now = timezone.now()
    for expected_attempts in (1, 2):
        relay(now=now)
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING and message.attempts == expected_attempts
        now = message.next_attempt_at
    assert relay(now=now).dead == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD and message.attempts == 3
    assert len(webhook.requests) == 3
    assert relay(now=now + timedelta(days=1)).dead == 0  # dead rows are left alone
    assert len(webhook.requests) == 3
    assert DeliveryAttempt.objects.filter(ok=False).count() == 3


@pytest.mark.django_db
def test_unreachable_receiver_is_a_retryable_network_error(webhook, settings):
    settings.OUTBOX_DESTINATIONS["merchant_webhook"]["url"] = "http://127.0.0.1:1/closed"
    message = put()
    assert relay().retried == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and "网络错误" in message.last_error


@pytest.mark.django_db
def test_crashing_handler_does_not_lose_the_row(webhook, settings):
    settings.OUTBOX_DESTINATIONS["crashy"] = {"handler": f"{__name__}.exploding_handler"}
    message = put(destination="crashy", key="crashy-1")
    assert relay().retried == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and "ValueError: handler bug" in message.last_error


@pytest.mark.django_db
def test_row_of_a_destination_disabled_later_fails_visibly(webhook, settings):
    message = put()
    settings.OUTBOX_DESTINATIONS["merchant_webhook"]["url"] = ""
    assert relay().retried == 1
    message.refresh_from_db()
    assert "未配置" in message.last_error and webhook.requests == []


def test_backoff_is_full_jitter_capped(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 2
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 60
    random.seed(7)
    for failures, ceiling in [(1, 2), (2, 4), (3, 8), (5, 32), (6, 60), (30, 60)]:
        samples = [backoff_seconds(failures) for _ in range(300)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.8 and min(samples) < ceiling * 0.2  # spread over the whole range


@pytest.mark.django_db
def test_lease_blocks_a_second_claim_until_it_expires(webhook, settings):
    """At-least-once: a relay that claimed a row and died leaves it leased; once the lease runs out,
    another relay delivers it with the same idempotency key."""
    message = put()
    now = timezone.now()
    assert claim(message.pk, "dead-relay-token", now)
    assert not claim(message.pk, "other", now)
    assert relay(now=now).delivered == 0 and webhook.requests == []
    later = now + timedelta(seconds=lease_seconds("merchant_webhook") + 1)
    assert relay(now=later).delivered == 1
    assert webhook.keys() == ["k1"]


@pytest.mark.django_db
def test_discard_while_delivering_is_not_overwritten(webhook, admin_user):
    """The write-back is guarded by the lease and status, so a row discarded mid-flight stays discarded."""
    from wxmall.core.actions import discard

    message = put()
    now = timezone.now()
    assert claim(message.pk, "tok", now)
    discard(message.pk, admin_user, "人工已通知商家")
    result = relay_module.RelayResult()
    relay_module.deliver(OutboxMessage.objects.get(pk=message.pk), "tok", now, result)
    message.refresh_from_db()
    assert message.status == OutboxStatus.DISCARDED and result.delivered == 0
    assert DeliveryAttempt.objects.count() == 1  # the HTTP call happened and is on record


@pytest.mark.django_db(transaction=True)
def test_commit_kicks_the_relay(webhook):
    """With Celery eager, the on_commit kick runs the relay task right after the business commit."""
    celery_app.conf.task_always_eager = True
    try:
        with transaction.atomic():
            enqueue("merchant_webhook", KIND, {"order_no": "WX9"}, key="k-kick")
            assert webhook.requests == []  # nothing leaves before commit
        assert webhook.keys() == ["k-kick"]
    finally:
        celery_app.conf.task_always_eager = False
    assert OutboxMessage.objects.get().status == OutboxStatus.DELIVERED


@pytest.mark.django_db
def test_task_is_registered_and_scheduled(webhook, settings):
    from wxmall.core.tasks import relay_outbox

    entry = celery_app.conf.beat_schedule["outbox-relay"]
    assert entry["task"] == relay_outbox.name and relay_outbox.name in celery_app.tasks
    assert entry["schedule"] == settings.OUTBOX_RELAY_INTERVAL_SECONDS
    put()
    assert relay_outbox() == 1  # the task body is the relay
    assert webhook.keys() == ["k1"]


@pytest.mark.django_db
def test_the_relay_task_drains_a_backlog_beyond_one_batch(webhook, settings):
    from wxmall.core.tasks import relay_outbox

    settings.OUTBOX_RELAY_BATCH = 2
    with transaction.atomic():
        for n in range(5):
            enqueue("merchant_webhook", KIND, {"order_no": f"WX{n}"}, key=f"k-backlog-{n}")
    assert relay_outbox() == 5  # three batches in one run, not one batch per periodic tick
    assert sorted(webhook.keys()) == [f"k-backlog-{n}" for n in range(5)]


@pytest.mark.django_db
def test_background_destinations_wait_behind_what_other_systems_wait_for(webhook, settings):
    from wxmall.core.relay import due

    settings.OUTBOX_DESTINATIONS = settings.OUTBOX_DESTINATIONS | {
        "points": {"handler": "wxmall.accounts.handlers.deliver", "background": True}
    }
    with transaction.atomic():
        enqueue("points", "points.earn", {"order_no": "WX1"}, key="k-bg-1")
        enqueue("merchant_webhook", KIND, {"order_no": "WX1"}, key="k-fg-1")
        enqueue("points", "points.earn", {"order_no": "WX2"}, key="k-bg-2")
        enqueue("merchant_webhook", KIND, {"order_no": "WX2"}, key="k-fg-2")
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    order = [destination for _, destination in due(timezone.now(), 10)]
    assert order == ["merchant_webhook", "merchant_webhook", "points", "points"]
    assert len(due(timezone.now(), 1)) == 1


@pytest.mark.django_db
def test_a_backlog_splits_into_partitions_that_together_deliver_everything_once(webhook, settings):
    from wxmall.core.relay import due

    ids = [put(key=f"part-{n}").pk for n in range(9)]
    now = timezone.now()
    parts = [{pk for pk, _ in due(now, 100, (k, 3))} for k in range(3)]
    assert set().union(*parts) == set(ids) and sum(len(p) for p in parts) == 9
    assert all(pk % 3 == k for k, part in enumerate(parts) for pk in part)
    for k in range(3):
        relay(shard=(k, 3))
    assert (
        len(webhook.requests) == 9
        and OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 9
    )


@pytest.mark.django_db
def test_fan_out_asks_for_each_other_partition_once_per_interval(settings, monkeypatch):
    from wxmall.core import outbox

    sent = []
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery_app, "signature", lambda name, kwargs: type("S", (), {
        "apply_async": lambda self, **kw: sent.append(kwargs)})())  # fmt: skip
    settings.OUTBOX_RELAY_PARALLEL = 1
    assert outbox.fan_out() is False and sent == []
    settings.OUTBOX_RELAY_PARALLEL = 3
    assert outbox.fan_out() is True
    assert sent == [{"shard": 1, "shards": 3}, {"shard": 2, "shards": 3}]
    assert outbox.fan_out() is False and len(sent) == 2  # still running: not asked again
