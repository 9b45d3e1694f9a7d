"""enqueue: inside the business transaction only, idempotent on its key, nothing for disabled destinations."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from wxmall.core.models import OutboxMessage, OutboxStatus
from wxmall.core.outbox import OutboxUsageError, enqueue

KIND = "order.status_changed"


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused(webhook):
    with pytest.raises(OutboxUsageError):
        enqueue("merchant_webhook", KIND, {"order_no": "WX1"}, key="k-outside")
    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_rolled_back_business_transaction_leaves_no_outbox_row(webhook):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        enqueue("merchant_webhook", KIND, {"order_no": "WX1"}, key="k-rollback")
        raise Boom
    assert OutboxMessage.objects.count() == 0
    assert webhook.requests == []


@pytest.mark.django_db
def test_same_key_returns_the_existing_row(webhook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = enqueue("merchant_webhook", KIND, {"order_no": "WX1", "status": "paid"}, key="k-same")
        again = enqueue("merchant_webhook", KIND, {"order_no": "WX1", "status": "CHANGED"}, key="k-same")
    assert first.pk == again.pk
    assert OutboxMessage.objects.count() == 1
    row = OutboxMessage.objects.get()
    assert row.payload == {"order_no": "WX1", "status": "paid"}  # the first write wins
    assert row.status == OutboxStatus.PENDING and row.attempts == 0
    assert len(callbacks) == 1  # one relay kick, for the row actually written


@pytest.mark.django_db
def test_key_reused_for_another_kind_is_a_bug_and_raises(webhook):
    enqueue("merchant_webhook", KIND, {}, key="k-reused")
    with pytest.raises(OutboxUsageError):
        enqueue("merchant_webhook", "order.refunded", {}, key="k-reused")


@pytest.mark.django_db
def test_empty_key_refused(webhook):
    with pytest.raises(OutboxUsageError):
        enqueue("merchant_webhook", KIND, {}, key="")
    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "config",
    [
        {"handler": "wxmall.core.webhook.post_webhook", "url": "", "secret": "s"},
        {"handler": "", "url": "http://127.0.0.1:9/"},
    ],
)
def test_disabled_destination_writes_nothing(settings, config, django_capture_on_commit_callbacks):
    settings.OUTBOX_DESTINATIONS = {"merchant_webhook": config}
    with django_capture_on_commit_callbacks() as callbacks:
        assert enqueue("merchant_webhook", KIND, {"order_no": "WX1"}, key="k-disabled") is None
    assert OutboxMessage.objects.count() == 0
    assert callbacks == []


@pytest.mark.django_db
def test_default_settings_have_the_merchant_webhook_disabled_without_a_url(settings):
    assert settings.OUTBOX_DESTINATIONS["merchant_webhook"]["handler"] == "wxmall.core.webhook.post_webhook"
    if not settings.OUTBOX_DESTINATIONS["merchant_webhook"]["url"]:
        assert enqueue("merchant_webhook", KIND, {}, key="k-default") is None


@pytest.mark.django_db
def test_unknown_destination_raises(webhook):
    with pytest.raises(ImproperlyConfigured):
        enqueue("wechat.nowhere", KIND, {}, key="k-unknown")


@pytest.mark.django_db
def test_payload_must_be_plain_json(webhook):
    from decimal import Decimal

    with pytest.raises(OutboxUsageError):
        enqueue("merchant_webhook", KIND, {"total": Decimal("12.30")}, key="k-decimal")
    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_one_kick_per_transaction_however_many_rows(webhook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        for n in range(3):
            enqueue("merchant_webhook", KIND, {"order_no": f"WX{n}"}, key=f"k-burst-{n}")
    assert OutboxMessage.objects.count() == 3 and len(callbacks) == 1


def test_kicks_are_debounced_per_window_across_callers(settings):
    """Real filesystem broker: two kicks in one window publish one relay task, timed for the window's end."""
    import json
    import time
    from pathlib import Path

    from django.core.cache import cache

    from wxmall.core.outbox import kick_relay

    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("counts the filesystem broker's queue files")
    queue = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_out"])
    settings.OUTBOX_KICK_WINDOW_SECONDS = 3600.0  # one window for the whole test
    cache.delete(f"wxmall:outbox:kick:{int(time.time() // 3600) + 1}")
    before = set(queue.iterdir())
    kick_relay()
    kick_relay()
    published = [p for p in queue.iterdir() if p not in before]
    assert len(published) == 1
    message = json.loads(published[0].read_text())
    assert message["headers"]["task"] == "wxmall.core.relay_outbox"
    assert message["headers"]["eta"].startswith(
        time.strftime("%Y-%m-%d", time.gmtime((time.time() // 3600 + 1) * 3600))
    )
    published[0].unlink()  # no worker here to take it
