"""The merchant console: staff only, manual compensation through CSRF-protected POST forms, audited,
with everything that came from outside escaped."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wxmall.core.models import (
    DeliveryAttempt,
    OutboxAuditEntry,
    OutboxMessage,
    OutboxStatus,
)
from wxmall.customers.testing import as_owner

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def staff(db):
    return as_owner(get_user_model().objects.create_user("clerk", password="pw-clerk-123", is_staff=True))


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def dead(db):
    message = OutboxMessage.objects.create(
        destination="merchant_webhook",
        kind="order.status_changed",
        idempotency_key="dead-1",
        payload={"order_no": "WX1", "note": '<img src=x onerror="alert(1)">'},
        status=OutboxStatus.DEAD,
        attempts=8,
        last_error=f"HTTP 500: {HOSTILE}",
    )
    DeliveryAttempt.objects.create(
        message=message, destination="merchant_webhook", ok=False, latency_ms=42, error=f"HTTP 500: {HOSTILE}"
    )
    return message


@pytest.fixture
def pending(db):
    return OutboxMessage.objects.create(
        destination="merchant_webhook",
        kind="order.status_changed",
        idempotency_key="pending-1",
        payload={"order_no": "WX2"},
        attempts=1,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )


PAGES = ["console:home", "console:outbox", "console:destinations"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_customer_is_refused(client, name):
    client.force_login(get_user_model().objects.create_user("buyer", password="pw-buyer-123"))
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_customer_cannot_replay(client, dead):
    client.force_login(get_user_model().objects.create_user("buyer", password="pw-buyer-123"))
    response = client.post(reverse("console:outbox_replay", args=[dead.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.DEAD and OutboxAuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_home_shows_today_and_outbox_counts(staff_client, dead, pending):
    response = staff_client.get(reverse("console:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "今日概览" in html and "merchant_webhook" in html
    assert response.context["counts"]["dead"] == 1 and response.context["counts"]["pending"] == 1
    assert 'id="chart-data"' in html  # chart data is there whether or not ECharts is installed
    assert "/api/docs" in html


@pytest.mark.django_db
def test_home_counts_paid_orders_of_today(staff_client, staff):
    from wxmall.orders.models import Order

    now = timezone.now()
    common = {
        "user": staff,
        "ship_recipient": "张三",
        "ship_phone": "13800000000",
        "ship_province": "广东省",
        "ship_city": "深圳市",
        "ship_detail": "科技园",
        "expires_at": now + timedelta(minutes=30),
    }
    Order.objects.create(order_no="WXT1", status="paid", subtotal=129900, total=129900, paid_at=now, **common)
    Order.objects.create(order_no="WXT2", status="shipped", subtotal=100, total=100, paid_at=now, **common)
    Order.objects.create(order_no="WXT3", status="pending_payment", subtotal=500, total=500, **common)
    response = staff_client.get(reverse("console:home"))
    assert response.context["summary"] == {"count": 2, "gmv": 130000}
    assert "¥1,300.00" in response.content.decode()
    assert sum(response.context["chart"]["orders"]) == 2


@pytest.mark.django_db
def test_home_renders_without_echarts(staff_client, settings, tmp_path):
    settings.STATICFILES_DIRS = [tmp_path]  # no vendor folder: ECharts missing
    response = staff_client.get(reverse("console:home"))
    assert response.status_code == 200
    assert "echarts.min.js" not in response.content.decode() and "图表组件未安装" in response.content.decode()


@pytest.mark.django_db
def test_outbox_list_escapes_hostile_error_and_payload(staff_client, dead):
    html = staff_client.get(reverse("console:outbox")).content.decode()
    assert HOSTILE not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html
    detail = staff_client.get(reverse("console:outbox_detail", args=[dead.pk])).content.decode()
    assert HOSTILE not in detail and "<img src=x" not in detail and "&lt;script&gt;" in detail


@pytest.mark.django_db
def test_outbox_list_filters(staff_client, dead, pending):
    page = staff_client.get(reverse("console:outbox"), {"status": "dead"}).context["page"]
    assert [m.pk for m in page] == [dead.pk]
    page = staff_client.get(reverse("console:outbox")).context["page"]
    assert {m.pk for m in page} == {dead.pk, pending.pk}
    page = staff_client.get(reverse("console:outbox"), {"destination": "wechat.store"}).context["page"]
    assert list(page) == []
    page = staff_client.get(reverse("console:outbox"), {"status": "bogus"}).context["page"]
    assert {m.pk for m in page} == {dead.pk, pending.pk}  # unknown status falls back to the default view


@pytest.mark.django_db
def test_staff_replays_a_dead_letter(staff_client, staff, dead):
    back = reverse("console:outbox") + "?status=dead"
    response = staff_client.post(
        reverse("console:outbox_replay", args=[dead.pk]), {"next": back}, follow=True
    )
    assert response.redirect_chain[-1][0] == back
    assert "已重新排队投递" in response.content.decode()
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.PENDING and dead.attempts == 0
    entry = OutboxAuditEntry.objects.get()
    assert (entry.action, entry.staff, entry.from_status) == ("replay", staff, "dead")
    detail = staff_client.get(reverse("console:outbox_detail", args=[dead.pk])).content.decode()
    assert "clerk" in detail and "重放" in detail


@pytest.mark.django_db
def test_staff_discards_with_reason(staff_client, staff, pending):
    response = staff_client.post(
        reverse("console:outbox_discard", args=[pending.pk]), {"reason": "<b>已电话通知</b>"}, follow=True
    )
    assert "已丢弃" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == OutboxStatus.DISCARDED and pending.discarded_by == staff
    assert pending.discard_reason == "<b>已电话通知</b>"
    detail = response.content.decode()  # redirected to the detail page, reason shown escaped
    assert "&lt;b&gt;已电话通知&lt;/b&gt;" in detail and "<b>已电话通知</b>" not in detail


@pytest.mark.django_db
def test_discard_without_reason_changes_nothing(staff_client, pending):
    response = staff_client.post(
        reverse("console:outbox_discard", args=[pending.pk]), {"reason": " "}, follow=True
    )
    assert "请填写丢弃原因" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == OutboxStatus.PENDING and OutboxAuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_replay_of_a_pending_message_is_refused_with_a_message(staff_client, pending):
    response = staff_client.post(reverse("console:outbox_replay", args=[pending.pk]), follow=True)
    assert "只有死信或已丢弃的消息可以重放" in response.content.decode()
    assert OutboxAuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_replay_of_unknown_message(staff_client):
    response = staff_client.post(reverse("console:outbox_replay", args=[424242]), follow=True)
    assert "外发消息不存在" in response.content.decode()


@pytest.mark.django_db
def test_actions_need_post_and_csrf(staff, dead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.get(reverse("console:outbox_replay", args=[dead.pk])).status_code == 405
    assert client.post(reverse("console:outbox_replay", args=[dead.pk])).status_code == 403
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.DEAD and OutboxAuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_next_cannot_redirect_off_site(staff_client, dead):
    response = staff_client.post(
        reverse("console:outbox_replay", args=[dead.pk]), {"next": "https://evil.example/phish"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("console:outbox_detail", args=[dead.pk])


@pytest.mark.django_db
def test_destinations_page(staff_client, dead):
    response = staff_client.get(reverse("console:destinations"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "merchant_webhook" in html and "正常" in html  # breaker closed
    # wechat_pay (payments) is a destination too; this test is about the webhook's row.
    health = next(h for h in response.context["health"] if h.destination == "merchant_webhook")
    assert health.attempts == 1 and health.success_rate == 0 and health.dead == 1
    chart = response.context["chart"]
    assert len(chart["hours"]) == 24 and sum(chart["failed"]) == 1 and sum(chart["ok"]) == 0
    assert 'id="chart-data"' in html


def test_admin_is_branded_as_the_shop(client, settings, db):
    page = client.get(reverse("admin:login")).content.decode()
    assert "微选数码 商家后台" in page
    assert "Django" not in page


def test_console_and_admin_share_one_grouped_navigation(staff_client, staff):
    staff.is_superuser = True
    staff.save()
    for url in (reverse("console:home"), reverse("admin:index"), reverse("admin:orders_order_changelist")):
        page = staff_client.get(url).content.decode()
        nav = re.search(r'<nav class="wx-nav".*?</nav>', page, re.S)
        assert nav, url
        labels = re.findall(r'<span class="wx-label">([^<]+)</span>', nav.group(0))
        assert labels == ["商品", "订单", "客户", "营销", "微信", "数据", "系统"]
        assert reverse("console:products") in nav.group(0)
