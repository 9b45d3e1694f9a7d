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
