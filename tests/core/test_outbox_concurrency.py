"""Relays running at once, in real threads against the real database, deliver each row exactly once
(counted on the receiving side)."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from wxmall.core.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from wxmall.core.outbox import enqueue
from wxmall.core.relay import relay

ROWS = 40
RELAYS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_relays_deliver_each_row_once(webhook):
    webhook.delay_seconds = 0.005  # keep relays overlapping
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
