"""Stability: /metrics for Prometheus (off without a token), and alerts raised once when a success rate
falls below the threshold, notified through the outbox, resolved when it recovers."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from wxmall.analytics import monitoring
from wxmall.analytics.models import Alert
from wxmall.core.models import DeliveryAttempt, OutboxMessage
from wxmall.customers.testing import as_owner
from wxmall.wechat.models import ApiCallStat

pytestmark = pytest.mark.django_db


def calls(api: str, total: int, ok: int, *, ago: timedelta = timedelta(minutes=1)) -> None:
    minute = (timezone.now() - ago).replace(second=0, microsecond=0)
    ApiCallStat.objects.create(
        minute=minute, appid="wx1", api=api, calls=total, ok=ok, latency_ms_sum=total * 40
    )


def test_metrics_needs_its_token_and_reports_rates(settings):
    calls("message/template/send", 40, 30)
    calls("stable_token", 10, 10, ago=timedelta(hours=2))  # outside the 5-minute window
    message = OutboxMessage.objects.create(
        destination="merchant_webhook", kind="x", idempotency_key="m1", payload={}
    )
    DeliveryAttempt.objects.create(message=message, destination="merchant_webhook", ok=False, latency_ms=100)
    assert Client().get("/metrics").status_code == 404  # off by default
    settings.METRICS_TOKEN = "s3cret-token"
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    text = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").content.decode()
    assert 'wxmall_calls_5m{kind="wechat_api",name="message/template/send"} 40.0' in text
    assert 'wxmall_success_ratio_5m{kind="wechat_api",name="message/template/send"} 0.75' in text
    assert 'wxmall_latency_ms_avg_5m{kind="wechat_api",name="message/template/send"} 40.0' in text
    assert 'wxmall_failed_calls_5m{kind="outbox",name="merchant_webhook"} 1.0' in text
    assert 'wxmall_outbox_messages{status="pending"} 1.0' in text and "stable_token" not in text


def test_an_alert_is_raised_once_notified_and_resolved(settings):
    settings.OUTBOX_DESTINATIONS = {
        "merchant_webhook": {"handler": "wxmall.core.webhook.post_webhook", "url": "http://127.0.0.1:9/"}
    }
    settings.ALERT_SUCCESS_RATIO, settings.ALERT_MIN_CALLS = 0.95, 20
    calls("message/template/send", 40, 30)  # 75%: below
    calls("menu/create", 10, 0)  # too few calls to judge
    assert monitoring.check_alerts() == (1, 0)
    assert monitoring.check_alerts() == (0, 0)  # still open: not raised again
    alert = Alert.objects.get()
    assert (alert.subject, alert.success_rate, alert.calls) == ("wechat_api:message/template/send", 0.75, 40)
    notified = OutboxMessage.objects.get(kind="alert.raised")
    assert notified.payload["subject"] == alert.subject and notified.payload["success_rate"] == 0.75
    staff = as_owner(get_user_model().objects.create_user("ops", password="pw-ops-1234", is_staff=True))
    client = Client()
    client.force_login(staff)
    assert "wechat_api:message/template/send" in client.get("/console/analytics/").content.decode()
    ApiCallStat.objects.update(ok=40)  # recovered
    assert monitoring.check_alerts() == (0, 1)
    assert Alert.objects.get().resolved_at is not None
