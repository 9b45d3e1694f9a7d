"""Native pay on a desktop browser (Debian's Chromium through Playwright): the order page's 微信支付 opens
the pay page, its QR code (read back from the screenshot) is what WeChat issued, the customer "scans" it
in wxsandbox, and the page, polling, moves on to the paid order by itself."""

import io

import pytest
from django.test import Client

from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_native_qr_on_the_desktop_is_paid_and_the_page_follows(
    browser, live_server, pay_hub, settings, order, customer
):
    import zxingcpp
    from PIL import Image

    settings.WECHAT_PAY = settings.WECHAT_PAY | {"notify_url": f"{live_server.url}/payments/notify/"}
    client = Client()
    client.force_login(customer)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/orders/{order.order_no}/")
        page.locator("#pay-start").click()
        page.wait_for_url(f"{live_server.url}/orders/{order.order_no}/pay/")
        qr = page.locator("#pay-qr svg")
        qr.wait_for()
        assert "前有效" in page.locator("#pay-expiry").inner_text()
        assert "秒" in page.locator("#pay-countdown").inner_text()  # pay.js counts down
        [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
        code_url = decoded.text
        assert code_url == page.locator("#pay-qr").get_attribute("data-code-url")
        pay_hub.control("POST", "pay/confirm", json={"code_url": code_url, "user_id": "lihua"})
        page.wait_for_url(f"{live_server.url}/orders/{order.order_no}/", timeout=15_000)
        assert page.locator("#order-status").inner_text() == "待发货"
        assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
        assert errors == []
    finally:
        context.close()


MOBILE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
)


def test_h5_in_a_mobile_browser(browser, live_server, pay_hub, settings, order, customer):
    """The phone browser is sent to h5_url; WeChat's cashier there is wxsandbox (its control API pays the
    order opened by that exact URL), then the browser comes back and the pay page follows."""
    settings.WECHAT_PAY = settings.WECHAT_PAY | {"notify_url": f"{live_server.url}/payments/notify/"}
    client = Client()
    client.force_login(customer)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", user_agent=MOBILE)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    pay_page = f"{live_server.url}/orders/{order.order_no}/pay/"
    opened = []

    def cashier(route):
        opened.append(route.request.url)
        pay_hub.control("POST", "pay/confirm", json={"h5_url": route.request.url, "user_id": "lihua"})
        route.fulfill(status=302, headers={"Location": pay_page})

    page.route("https://wx.tenpay.com/**", cashier)
    try:
        page.goto(f"{live_server.url}/orders/{order.order_no}/")
        page.locator("#pay-start").click()
        page.wait_for_url(pay_page)
        page.locator("#pay-h5").click()
        page.wait_for_url(f"{live_server.url}/orders/{order.order_no}/", timeout=15_000)
        assert page.locator("#order-status").inner_text() == "待发货"
        assert opened and "prepay_id=" in opened[0]
        assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    finally:
        context.close()
