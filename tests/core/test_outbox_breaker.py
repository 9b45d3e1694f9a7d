"""The per-destination circuit breaker, driven through the relay against a real receiver."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from wxmall.core import breaker
from wxmall.core.models import BreakerState, CircuitBreaker, OutboxMessage, OutboxStatus
from wxmall.core.outbox import enqueue
from wxmall.core.relay import relay


def put_many(n):
    with transaction.atomic():
        return [enqueue("merchant_webhook", "order.status_changed", {"i": i}, key=f"b-{i}") for i in range(n)]


def state():
    return CircuitBreaker.objects.get(destination="merchant_webhook")


@pytest.fixture
def fragile(webhook, settings):
    settings.OUTBOX_BREAKER_FAILURES = 2
    settings.OUTBOX_BREAKER_COOLDOWN_SECONDS = 30
    return webhook


@pytest.mark.django_db
def test_breaker_opens_and_spares_the_remaining_rows(fragile):
    messages = put_many(4)
    fragile.default_status = 503
    t0 = timezone.now()
    result = relay(now=t0)
    assert len(fragile.requests) == 2  # two failures open it; the other rows are not tried
    assert result.retried == 2
    b = state()
    assert b.state == BreakerState.OPEN and b.consecutive_failures == 2
    # Cool-down counts from the failure's outcome: t0 plus the (short) time the attempts took.
    assert t0 + timedelta(seconds=30) <= b.opened_until <= t0 + timedelta(seconds=40)
    untouched = OutboxMessage.objects.filter(pk__in=[m.pk for m in messages[2:]])
    assert all(m.attempts == 0 and m.status == OutboxStatus.PENDING for m in untouched)  # no attempt burnt
    assert all(m.next_attempt_at == b.opened_until and m.lease_token == "" for m in untouched)
    # While cooling down nothing is attempted, even rows whose own backoff has passed.
    relay(now=t0 + timedelta(seconds=29))
    assert len(fragile.requests) == 2


@pytest.mark.django_db
def test_half_open_lets_one_trial_through_and_reopens_on_failure(fragile):
    put_many(4)
    fragile.default_status = 503
    t0 = timezone.now()
    relay(now=t0)
    t1 = t0 + timedelta(seconds=45)
    relay(now=t1)
    assert len(fragile.requests) == 3  # exactly one trial
    b = state()
    assert b.state == BreakerState.OPEN and t1 + timedelta(seconds=30) <= b.opened_until <= t1 + timedelta(
        seconds=40
    )
    # Receiver healthy again: the next trial closes the breaker and the rest flows in the same pass.
    fragile.default_status = 200
    result = relay(now=t1 + timedelta(seconds=45))
    assert result.delivered == 4
    assert state().state == BreakerState.CLOSED and state().consecutive_failures == 0
    assert sorted(set(fragile.keys())) == ["b-0", "b-1", "b-2", "b-3"]
    assert OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 4


@pytest.mark.django_db
def test_only_one_relay_wins_the_half_open_trial(fragile):
    now = timezone.now()
    CircuitBreaker.objects.create(
        destination="merchant_webhook",
        state=BreakerState.OPEN,
        consecutive_failures=5,
        opened_until=now - timedelta(seconds=1),
    )
    assert breaker.allow("merchant_webhook", now) is True
    assert state().state == BreakerState.HALF_OPEN
    assert breaker.allow("merchant_webhook", now) is False  # the trial is in flight
    # A trial whose relay died does not wedge the breaker: after its deadline a new trial may start.
    assert breaker.allow("merchant_webhook", now + timedelta(seconds=31)) is True


@pytest.mark.django_db
def test_success_resets_the_failure_count(fragile):
    put_many(1)
    fragile.answer_next(503)
    t0 = timezone.now()
    relay(now=t0)
    assert state().consecutive_failures == 1
    relay(now=t0 + timedelta(seconds=5))
    assert state().state == BreakerState.CLOSED and state().consecutive_failures == 0


@pytest.mark.django_db
def test_permanent_errors_do_not_trip_the_breaker(fragile):
    put_many(3)
    fragile.default_status = 400
    assert relay().dead == 3
    assert state().state == BreakerState.CLOSED and state().consecutive_failures == 0
