"""Relays running at once, in real threads against the real database, deliver each row exactly once
(counted on the receiving side)."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from wxmall.core.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from wxmall.core.outbox import enqueue, lease_seconds
from wxmall.core.relay import relay

ROWS = 40
RELAYS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_relays_deliver_each_row_once(webhook):
    webhook.delay = 0.005  # keep relays overlapping
    with transaction.atomic():
        for i in range(ROWS):
            enqueue("merchant_webhook", "order.status_changed", {"i": i}, key=f"c-{i}")
    start = threading.Barrier(RELAYS)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(relay())
        except Exception as exc:  # surfaced below; a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(RELAYS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    per_key = Counter(webhook.keys())
    assert len(per_key) == ROWS and set(per_key.values()) == {1}
    assert sum(r.delivered for r in results) == ROWS
    assert OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == ROWS
    assert DeliveryAttempt.objects.count() == ROWS
    assert sum(1 for r in results if r.delivered) >= 2  # the work was actually shared


@pytest.mark.django_db(transaction=True)
def test_concurrent_enqueue_of_one_key_writes_one_row(webhook):
    start = threading.Barrier(4)
    ids, errors = [], []

    def run():
        try:
            start.wait()
            with transaction.atomic():
                ids.append(enqueue("merchant_webhook", "order.status_changed", {}, key="same").pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert OutboxMessage.objects.count() == 1 and set(ids) == {OutboxMessage.objects.get().pk}


def run_at_once(n, fn):
    """Run fn(i) in n real threads released together; return results and exceptions."""
    start = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            start.wait()
            results[i] = fn(i)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_only_one_of_many_relays_gets_the_half_open_trial(webhook):
    from datetime import timedelta

    from django.utils import timezone

    from wxmall.core import breaker
    from wxmall.core.models import BreakerState, CircuitBreaker

    now = timezone.now()
    CircuitBreaker.objects.create(
        destination="merchant_webhook",
        state=BreakerState.OPEN,
        consecutive_failures=5,
        opened_until=now - timedelta(seconds=1),
    )
    results, errors = run_at_once(6, lambda i: breaker.allow("merchant_webhook", now))
    assert errors == [] and results.count(True) == 1


@pytest.mark.django_db(transaction=True)
def test_two_staff_discarding_at_once_leave_one_audit_entry(webhook, django_user_model):
    from wxmall.core.actions import discard
    from wxmall.core.errors import DomainError, OutboxError
    from wxmall.core.models import OutboxAuditEntry

    staff = [django_user_model.objects.create_user(f"clerk{i}", is_staff=True) for i in range(2)]
    message = OutboxMessage.objects.create(
        destination="merchant_webhook", kind="k", idempotency_key="race", status=OutboxStatus.DEAD
    )
    results, errors = run_at_once(2, lambda i: discard(message.pk, staff[i], f"原因 {i}"))
    assert len(errors) == 1 and isinstance(errors[0], DomainError)
    assert errors[0].error is OutboxError.NOT_DISCARDABLE
    entry = OutboxAuditEntry.objects.get()
    message.refresh_from_db()
    assert message.status == OutboxStatus.DISCARDED and message.discarded_by == entry.staff


@pytest.mark.django_db
def test_a_relay_whose_lease_ran_out_cannot_overwrite_the_newer_result(webhook, settings):
    from datetime import timedelta

    from django.utils import timezone

    from wxmall.core.relay import RelayResult, claim, deliver

    with transaction.atomic():
        message = enqueue("merchant_webhook", "order.status_changed", {}, key="slow")
    t0 = timezone.now()
    assert claim(message.pk, "slow-relay", t0)
    later = t0 + timedelta(seconds=lease_seconds("merchant_webhook") + 1)
    assert claim(message.pk, "fast-relay", later)  # the slow relay's lease has run out
    deliver(OutboxMessage.objects.get(pk=message.pk), "fast-relay", later, RelayResult())
    webhook.answer_next(500)  # the slow relay's late try fails...
    late = RelayResult()
    deliver(OutboxMessage.objects.get(pk=message.pk), "slow-relay", later, late)
    message.refresh_from_db()
    # ...and changes nothing: still delivered, one attempt counted, no error recorded on the row.
    assert message.status == OutboxStatus.DELIVERED and message.attempts == 1 and message.last_error == ""
    assert late.retried == 0 and DeliveryAttempt.objects.count() == 2
