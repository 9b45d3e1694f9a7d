"""Handlers may return what the other system assigned (a refund id, a msgid): the relay stores it on
the delivered row, and the console shows it. A result that cannot be stored never causes a redelivery."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from wxmall.core.models import OutboxMessage, OutboxStatus
from wxmall.core.outbox import enqueue
from wxmall.core.relay import MAX_RESULT_CHARS, relay
from wxmall.core.webhook import post_webhook

pytestmark = pytest.mark.django_db


def assigning_handler(message, config):
    """A handler of the kind WeChat's APIs need: deliver (here to the real receiver), then return what
    the other side assigned (fixed per test through the destination's config)."""
    post_webhook(message, config)
    return config["returns"]


@pytest.fixture
def assigning(settings, webhook):
    def returning(value):
        config = dict(settings.OUTBOX_DESTINATIONS["merchant_webhook"])
        config.update(handler=f"{__name__}.assigning_handler", returns=value)
        settings.OUTBOX_DESTINATIONS = {"merchant_webhook": config}
        with transaction.atomic():
            return enqueue("merchant_webhook", "refund.requested", {"order_no": "WX1"}, key="r-1")

    return returning


def test_the_handlers_result_is_stored_on_the_delivered_row(assigning, webhook):
    message = assigning({"refund_id": "50300000012026120100000001", "status": "PROCESSING"})
    assert relay().delivered == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.last_error == ""
    assert message.result == {"refund_id": "50300000012026120100000001", "status": "PROCESSING"}
    assert webhook.keys() == ["r-1"]


def test_a_handler_that_returns_nothing_stores_nothing(webhook):
    with transaction.atomic():
        message = enqueue("merchant_webhook", "order.paid", {"order_no": "WX2"}, key="n-1")
    relay()
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.result is None


@pytest.mark.parametrize("value", [{"at": object()}, "x" * (MAX_RESULT_CHARS + 1)])
def test_a_result_that_cannot_be_stored_is_noted_but_the_row_stays_delivered(assigning, webhook, value):
    message = assigning(value)
    assert relay().delivered == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.result is None
    assert "已投递" in message.last_error and "未保存" in message.last_error
    relay()  # nothing to do again: the receiver got it once
    assert webhook.keys() == ["r-1"]


def test_the_console_detail_shows_the_result_escaped(assigning, admin_user):
    message = assigning({"msgid": 200228332, "note": "<b>ok</b>"})
    relay()
    client = Client()
    client.force_login(admin_user)
    html = client.get(reverse("console:outbox_detail", args=[message.pk])).content.decode()
    assert "处理结果" in html and "200228332" in html
    assert "&lt;b&gt;ok&lt;/b&gt;" in html and "<b>ok</b>" not in html
    pending = OutboxMessage.objects.create(destination="merchant_webhook", kind="k", idempotency_key="p")
    assert "处理结果" not in client.get(reverse("console:outbox_detail", args=[pending.pk])).content.decode()
