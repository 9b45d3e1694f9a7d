"""A flash-sale purchase in a real browser (Debian's Chromium through Playwright), on both admission
paths: queued (Redis), the buyer sees 排队中… on the ticket page until a worker has made the order, and
the page then goes to the order by itself; synchronous (no Redis), the order is shown at once."""

import threading
import time

import pytest
from django.db import connection

from wxmall.checkout import tickets
from wxmall.orders.models import Order


class _Worker:
    """A flash worker in a thread, started only once the queued state has been seen on the page."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                tickets.drain(budget_seconds=1)
                time.sleep(0.05)
        finally:
            connection.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_flash_sale_page_queues_then_shows_the_order(
    flash_mode, page, live_server, shop, flash_sale, csp_violations
):
    base = live_server.url
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/login/?next=/")
    page.fill("#id_nickname", "抢购用户")
    page.get_by_role("button", name="登录 / 注册").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/product/{shop['monitor'].pk}/?flash_sale={flash_sale.pk}")
    page.get_by_role("button", name="立即抢购").first.click()
    page.wait_for_url(f"{base}/checkout/**")
    assert page.get_by_text("秒杀商品不能使用优惠券").is_visible()
    page.fill("#id_recipient", "王小明")
    page.fill("#id_phone", "13912345678")
    page.locator("select#id_province").select_option("广东省")  # the cascading region picker
    page.locator("select#id_city").select_option("深圳市")
    page.locator("select#id_district").select_option("南山区")
    page.fill("#id_detail", "科技园南路 88 号")
    page.get_by_role("button", name="提交订单").click()

    worker = _Worker()
    if flash_mode.queued:
        page.wait_for_url(f"{base}/flash/**")
        assert page.locator("#flash-state").inner_text() == "排队中…"
        assert not Order.objects.exists()  # no worker yet: the buyer really is in the queue
        worker.thread.start()
    try:
        page.wait_for_url(f"{base}/orders/**", timeout=30000)
        order = Order.objects.get()
        assert order.order_no in page.content()
        assert page.locator("#order-status").inner_text() == "待支付"
        assert order.total == 199900
    finally:
        worker.stop.set()
        if worker.thread.is_alive():
            worker.thread.join(10)
    assert errors == [] and csp_violations == []
