"""Relay operations made deliberate and visible: the lease follows the destination's timeout (a killed
delivery is taken over soon after), and an open breaker's queue is shown with its next trial."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wxmall.core import queries
from wxmall.core.models import BreakerState, CircuitBreaker, OutboxMessage, OutboxStatus
from wxmall.core.outbox import enqueue, lease_seconds
from wxmall.core.relay import claim, relay

pytestmark = pytest.mark.django_db


def put_many(n):
    with transaction.atomic():
        return [enqueue("merchant_webhook", "order.status_changed", {"i": i}, key=f"o-{i}") for i in range(n)]


def health():
    [row] = [h for h in queries.destination_health() if h.destination == "merchant_webhook"]
    return row


def test_the_lease_is_the_destinations_timeout_plus_the_margin(webhook, settings):
    settings.OUTBOX_LEASE_MARGIN_SECONDS = 2
    assert lease_seconds("merchant_webhook") == 5 + 2  # the webhook fixture's own timeout
    del settings.OUTBOX_DESTINATIONS["merchant_webhook"]["timeout"]
    settings.OUTBOX_HTTP_TIMEOUT_SECONDS = 10
    assert lease_seconds("merchant_webhook") == 12
    [message] = put_many(1)
    now = timezone.now()
    assert claim(message.pk, "tok", now)
    message.refresh_from_db()
    assert message.leased_until == now + timedelta(seconds=12)


def test_a_killed_delivery_is_taken_over_once_its_lease_ends(webhook, settings):
    settings.OUTBOX_LEASE_MARGIN_SECONDS = 5
    [message] = put_many(1)
    t0 = timezone.now()
    assert claim(message.pk, "killed-worker", t0)  # claimed, then the process died: no write-back
    assert relay(now=t0 + timedelta(seconds=9.9)).delivered == 0 and webhook.requests == []
    assert relay(now=t0 + timedelta(seconds=10.1)).delivered == 1
    assert webhook.keys() == ["o-0"]
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.attempts == 1


def test_rows_in_flight_are_shown_with_their_lease(webhook, admin_user):
    first, second = put_many(2)
    now = timezone.now()
    assert claim(first.pk, "tok", now)
    row = health()
    assert row.in_flight == 1 and row.lease_until == now + timedelta(
        seconds=lease_seconds("merchant_webhook")
    )
    assert row.pending == 2 and row.waiting_behind_breaker == 0 and row.next_trial_at is None
    client = Client()
    client.force_login(admin_user)
    assert "投递中 1" in client.get(reverse("console:destinations")).content.decode()
    assert "租约至" in client.get(reverse("console:outbox_detail", args=[first.pk])).content.decode()
    assert "租约至" not in client.get(reverse("console:outbox_detail", args=[second.pk])).content.decode()


@pytest.fixture
def down(webhook, settings):
    settings.OUTBOX_BREAKER_FAILURES = 2
    settings.OUTBOX_BREAKER_COOLDOWN_SECONDS = 30
    settings.OUTBOX_MAX_ATTEMPTS = 8
    webhook.default_status = 503
    return webhook


def test_an_open_breaker_spends_one_attempt_per_cool_down_and_shows_its_queue(down, admin_user):
    put_many(5)
    t0 = timezone.now()
    relay(now=t0)
    assert len(down.requests) == 2  # two failures open the breaker
    row = health()
    assert row.breaker_state == BreakerState.OPEN
    assert row.waiting_behind_breaker == 5  # the two that failed wait too, behind the breaker
    assert row.next_trial_at == row.opened_until and row.opened_until > timezone.now()

    client = Client()
    client.force_login(admin_user)
    html = client.get(reverse("console:destinations")).content.decode()
    assert "5 条消息等待熔断恢复" in html and "下次试探" in html

    # Receiver still down: one trial per cool-down, one attempt of one row each time, nothing else.
    at = row.opened_until
    for trial in range(1, 4):
        at += timedelta(seconds=31)
        relay(now=at)
        assert len(down.requests) == 2 + trial
        assert sum(OutboxMessage.objects.values_list("attempts", flat=True)) == 2 + trial
    # The trials go to the rows due first (those that already failed); the rows queued behind the
    # breaker still have their whole budget.
    assert sorted(OutboxMessage.objects.values_list("attempts", flat=True))[:3] == [0, 0, 0]
    assert not OutboxMessage.objects.filter(status=OutboxStatus.DEAD).exists()

    # Back up: the next trial closes the breaker and every waiting row goes out in that pass.
    down.default_status = 200
    assert relay(now=at + timedelta(seconds=120)).delivered == 5
    row = health()
    assert row.breaker_state == BreakerState.CLOSED
    assert row.waiting_behind_breaker == 0 and row.next_trial_at is None and row.pending == 0


def test_a_cool_down_already_over_means_the_next_relay_run(down):
    put_many(3)
    CircuitBreaker.objects.create(  # opened long ago: its cool-down is over, no relay has run since
        destination="merchant_webhook",
        state=BreakerState.OPEN,
        consecutive_failures=2,
        opened_until=timezone.now() - timedelta(minutes=5),
    )
    row = health()
    assert row.waiting_behind_breaker == 3
    assert timezone.now() - timedelta(seconds=5) < row.next_trial_at <= timezone.now()
    relay()
    assert len(down.requests) == 1  # that run made the trial
