"""The console in a real browser on a phone-sized viewport: a staff member signs in through the admin
login, sees today's figures and the chart, and discards a pending message through the confirm dialog."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders

from helpers.browser import console_login
from wxmall.core.models import OutboxAuditEntry, OutboxMessage, OutboxStatus

SHOTS = Path(os.environ.get("WXMALL_VAR_DIR", "var")) / "shots"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_discards_a_message_from_a_phone(page, live_server, csp_violations):
    SHOTS.mkdir(parents=True, exist_ok=True)
    clerk = get_user_model().objects.create_user("clerk", password="pw-clerk-123", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    message = OutboxMessage.objects.create(
        destination="merchant_webhook",
        kind="order.status_changed",
        idempotency_key="browser-1",
        payload={"order_no": "WX1"},
        status=OutboxStatus.DEAD,
        attempts=8,
        last_error="HTTP 500: <script>window.hacked = true</script>",
    )
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url

    console_login(page, f"{base}/console/", "clerk", "pw-clerk-123")
    assert page.locator("#dead-count").inner_text() == "1"
    if finders.find("echarts/echarts.min.js"):
        page.locator("#chart canvas").first.wait_for(timeout=10_000)  # ECharts drew the hourly chart
    else:
        assert "图表组件未安装" in page.locator("#chart").inner_text()
    page.screenshot(path=str(SHOTS / "console-home.png"), full_page=True)

    page.locator("#dead-count").click()
    page.wait_for_url("**/console/outbox/?status=dead")
    assert page.evaluate("window.hacked") is None  # the hostile error text is shown, never run
    assert "<script>window.hacked" in page.locator("td.error").first.inner_text()
    page.screenshot(path=str(SHOTS / "console-outbox-dead.png"), full_page=True)
    page.fill("input[name=reason]", "已电话通知商家")
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.get_by_role("button", name="丢弃").click()
    page.locator(".flash li").wait_for()
    assert "已丢弃" in page.locator(".flash li").inner_text()
    assert dialogs and "丢弃" in dialogs[0]
    page.screenshot(path=str(SHOTS / "console-outbox.png"), full_page=True)

    message.refresh_from_db()
    assert message.status == OutboxStatus.DISCARDED and message.discard_reason == "已电话通知商家"
    assert OutboxAuditEntry.objects.get().staff.username == "clerk"

    page.get_by_role("link", name="投递健康").click()
    page.wait_for_url(f"{base}/console/destinations/")
    assert "merchant_webhook" in page.locator("table").inner_text()
    if finders.find("echarts/echarts.min.js"):
        page.locator("#chart canvas").first.wait_for(timeout=10_000)
    page.screenshot(path=str(SHOTS / "console-destinations.png"), full_page=True)

    # The admin and the API docs run under the same Content-Security-Policy.
    page.goto(f"{base}/admin/core/outboxmessage/")
    page.locator("#result_list").wait_for()
    page.goto(f"{base}/admin/core/outboxmessage/{message.pk}/change/")
    page.goto(f"{base}/api/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=10_000)
    assert errors == [] and csp_violations == []
