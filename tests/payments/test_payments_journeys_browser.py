"""Customer journeys of the WeChat Pay issue in a real browser (Debian's Chromium through Playwright):

(a) in wxsandbox's phone, a WeChat user opens the shop, is logged in by OAuth, buys a laptop and pays with
    JSAPI on the phone's payment sheet; the order page shows 已支付;
(b) a customer's order is partly refunded by staff, then the rest on the customer's 申请退款, approved in
    the admin; my orders shows 退款中 / 已退款 with the amounts;
(c) a pickup order placed on a PC is paid by Native QR, its 核销码 is verified at the console's pickup
    counter, and the second attempt is refused.

WeChat is wxsandbox throughout: its notifications reach the live hub over HTTP, and refunds go out through
the outbox (relayed here as the worker would)."""

from __future__ import annotations

import copy
import io
from urllib.parse import quote

import pytest
from django.test import Client
from playwright.sync_api import expect

from helpers.pay import paid, settle
from wxmall.accounts.models import User
from wxmall.catalog.testing import make_sku
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.payments.models import Payment, Refund, RefundStatus
from wxmall.wechat.testing import use_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WECHAT_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0.50"
SLOW = 15_000  # ms: a notification's round trip through the sandbox and the page's status poll


@pytest.fixture
def live_pay(pay_hub, live_server, settings):
    """The sandbox's merchant, with WeChat calling the live hub back."""
    settings.WECHAT_PAY = settings.WECHAT_PAY | {
        "notify_url": f"{live_server.url}/payments/notify/",
        "refund_notify_url": f"{live_server.url}/payments/notify/refund/",
    }
    return pay_hub


def let_the_phone_embed_the_shop(settings, sandbox) -> None:
    """What the demo's settings give the phone on 127.0.0.1:9100, for this test's sandbox on its own port:
    the shop may be framed by the phone, and its pay page may load the phone's WeixinJSBridge."""
    settings.WXSANDBOX_PHONE_ORIGIN = sandbox.base_url
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["script-src"] = [*policy["DIRECTIVES"]["script-src"], sandbox.base_url]
    policy["DIRECTIVES"]["frame-ancestors"] = ["'self'", sandbox.base_url]
    settings.CONTENT_SECURITY_POLICY = policy


def logged_in_context(browser, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", **options)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


# --- (a) JSAPI inside WeChat ----------------------------------------------------------------------------
def test_wechat_user_buys_a_laptop_in_the_phone_and_pays_with_jsapi(browser, live_server, settings, live_pay):
    use_sandbox(settings, live_pay)
    let_the_phone_embed_the_shop(settings, live_pay)
    settings.ALLOWED_HOSTS = ["*"]
    # The phone (on 127.0.0.1) frames only pages of its own site, as the demo has them: same host, other port.
    base = live_server.url.replace("localhost", "127.0.0.1")
    laptop = make_sku(price=699_900, stock=3, title="轻薄笔记本 Air 14", memory="16GB", storage="512GB")
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", user_agent=WECHAT_UA
    )
    phone = context.new_page()
    errors = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        me = quote(f"{base}/me/", safe="")
        phone.goto(f"{live_pay.base_url}/phone/?user=xiaoming&open={me}")
        # The shop opens inside the phone's WeChat browser (framed: the demo's CSP lets the phone frame it)
        # and logs the customer in silently by OAuth (snsapi_base).
        shop = phone.frame_locator("#browser-frame")
        expect(shop.locator("text=使用微信头像昵称")).to_be_visible(timeout=SLOW)
        customer = User.objects.get(wechat_identities__isnull=False)
        frame = next(f for f in phone.frames if f.url.startswith(base))
        frame.goto(f"{base}/product/{laptop.product_id}/")
        shop.get_by_role("button", name="立即购买").click()
        expect(shop.locator("#id_recipient")).to_be_visible()
        shop.locator("#id_recipient").fill("王小明")
        shop.locator("#id_phone").fill("13912345678")
        shop.locator("select#id_province").select_option("广东省")  # the cascading region picker
        shop.locator("select#id_city").select_option("深圳市")
        shop.locator("select#id_district").select_option("南山区")
        shop.locator("#id_detail").fill("科技园南路 88 号")
        shop.get_by_role("button", name="提交订单").click()
        expect(shop.locator("#order-status")).to_have_text("待支付")
        order = Order.objects.get(user=customer)

        shop.locator("#pay-start").click()  # inside WeChat the hub picks JSAPI
        expect(shop.locator("#pay-jsapi-button")).to_be_visible()
        payment = Payment.objects.get(order=order)
        assert payment.method == "jsapi" and payment.prepay_id
        shop.locator("#pay-jsapi-button").click()
        # WeixinJSBridge → the phone checks paySign and shows WeChat's payment sheet.
        expect(phone.locator("#pay-sheet")).to_be_visible(timeout=SLOW)
        expect(phone.locator("#sheet-amount")).to_contain_text("6999.00")
        phone.locator("#sheet-confirm").click()
        # The sandbox notifies the hub; the pay page, polling, moves on to the paid order by itself.
        expect(shop.locator(".status-hero")).to_contain_text("已支付", timeout=SLOW)
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and order.payment_transaction_id
        assert Payment.objects.get(pk=payment.pk).payer_openid == live_pay.openid(
            "xiaoming", settings.WECHAT_PAY["appid"]
        )
        assert errors == []
    finally:
        context.close()


# --- (b) partial refund, then the rest on the customer's request ----------------------------------------
def test_a_partial_refund_then_the_rest_show_in_my_orders(browser, live_server, live_pay, customer, address):
    from wxmall.checkout.actions import place_order

    laptop = make_sku(price=699_900, stock=3, title="轻薄笔记本 Air 14")
    mouse = make_sku(price=19_900, stock=9, title="无线鼠标")
    order = place_order(customer, items=[(laptop.pk, 1), (mouse.pk, 1)], address_id=address.pk)
    staff = User.objects.create_superuser("shopkeeper", password="pw-shop-123")
    shopper = logged_in_context(browser, live_server, customer, viewport={"width": 390, "height": 844})
    desk = logged_in_context(browser, live_server, staff, viewport={"width": 1280, "height": 900})
    try:
        page = shopper.new_page()
        card = page.locator(f'.order-card[data-order-no="{order.order_no}"]')
        page.goto(f"{live_server.url}/orders/")
        expect(card.locator(".status")).to_have_text("待支付")
        payment = paid(live_pay, order, customer)
        api = Client()
        api.force_login(staff)
        # The mouse is returned: staff refund its price only.
        made = api.post(
            f"/api/payments/orders/{order.order_no}/refunds",
            {"amount": 19_900, "reason": "鼠标退货"},
            content_type="application/json",
        )
        assert made.status_code == 200 and made.json()["completes_order"] is False
        page.reload()
        expect(card.locator(".refunding")).to_have_text("退款中 ¥199.00")  # submitted, not yet confirmed
        settle(lambda: Refund.objects.get().status == RefundStatus.SUCCESS)
        page.reload()
        expect(card.locator(".refunded")).to_have_text("已退款 ¥199.00")
        expect(card.locator(".status")).to_have_text("待发货")  # a partial refund leaves the order as it is

        # The customer asks for the rest back (申请退款 with a reason) …
        card.click()
        page.locator("#refund-reason").select_option("不想要了")
        page.locator("#refund-request").click()
        expect(page.locator("#order-status")).to_have_text("退款中")
        page.goto(f"{live_server.url}/orders/")
        expect(card.locator(".status")).to_have_text("退款中")

        # … and staff approve it in the admin: the remainder goes back through WeChat.
        admin = desk.new_page()
        admin.goto(f"{live_server.url}/admin/payments/payment/")
        admin.locator(f'input[name="_selected_action"][value="{payment.pk}"]').check()
        admin.locator('select[name="action"]').select_option("refund_remaining")
        admin.locator('button[name="index"]').click()
        expect(admin.locator(".messagelist")).to_contain_text("已提交退款")
        settle(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED)

        page.reload()
        expect(card.locator(".status")).to_have_text("已退款")
        expect(card.locator(".refunded")).to_have_text(f"已退款 ¥{order.total / 100:,.2f}")
        card.click()
        expect(page.locator("[aria-label=退款]")).to_contain_text("¥199.00")
        expect(page.locator("[aria-label=退款]")).to_contain_text(f"¥{(order.total - 19_900) / 100:,.2f}")
    finally:
        shopper.close()
        desk.close()


# --- (c) store pickup paid by Native QR, verified once at the counter -----------------------------------
def test_a_pickup_order_paid_by_native_qr_is_verified_once_in_the_console(
    browser, live_server, live_pay, customer
):
    import zxingcpp
    from django.contrib.auth.models import Permission
    from PIL import Image

    from wxmall.pickup.models import PickupOrder
    from wxmall.pickup.testing import make_store

    make_store(name="深圳南山旗舰店", address="深圳市南山区科苑路 15 号", hours="每天 10:00–22:00")
    laptop = make_sku(price=699_900, stock=3, title="轻薄笔记本 Air 14")
    clerk = User.objects.create_user("counter", password="pw-counter-1", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="verify_pickup"))

    def qr_text(locator) -> str:
        [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(locator.screenshot())))
        return decoded.text

    pc = logged_in_context(browser, live_server, customer, viewport={"width": 1280, "height": 900})
    counter = logged_in_context(browser, live_server, clerk, viewport={"width": 1280, "height": 900})
    errors = []
    try:
        page = pc.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/product/{laptop.product_id}/")
        page.get_by_role("button", name="立即购买").click()
        page.locator("#fulfil-pickup").click()
        expect(page.locator("[aria-label=自提门店]")).to_contain_text("深圳南山旗舰店")
        expect(page.locator(".breakdown")).to_contain_text("门店自提 免运费")
        page.get_by_role("button", name="提交订单").click()
        expect(page.locator("#pickup-store")).to_have_text("深圳南山旗舰店")
        order = Order.objects.get(user=customer)

        page.locator("#pay-start").click()  # a PC: Native QR
        qr = page.locator("#pay-qr svg")
        qr.wait_for()
        live_pay.control("POST", "pay/confirm", json={"code_url": qr_text(qr), "user_id": "lihua"})
        expect(page.locator("#order-status")).to_have_text("待自提", timeout=SLOW)
        code = PickupOrder.objects.get(order=order).code
        expect(page.locator("#pickup-code")).to_have_text(" ".join(code[i : i + 4] for i in (0, 4, 8)))
        assert qr_text(page.locator("#pickup-qr svg")) == code  # what the counter's scanner reads

        # Two counters look the code up; the first hands the laptop over, the second is refused.
        first, second = counter.new_page(), counter.new_page()
        for desk in (first, second):
            desk.goto(f"{live_server.url}/console/pickup/")
            desk.locator("#pickup-code-input").fill(code)
            desk.get_by_role("button", name="查询订单").click()
            expect(desk.locator("#pickup-order")).to_contain_text("深圳南山旗舰店")
        first.locator("#pickup-verify").click()
        expect(first.locator(".flash")).to_contain_text("核销成功")
        expect(first.locator("#pickup-order-status")).to_have_text("已完成")
        with second.expect_response(f"{live_server.url}/console/pickup/") as answered:
            second.locator("#pickup-verify").click()
        assert answered.value.status == 409
        expect(second.locator(".flash")).to_contain_text("该核销码已核销，不能重复使用")
        expect(second.locator("#pickup-state")).to_contain_text("不能重复核销")

        order.refresh_from_db()
        pickup = PickupOrder.objects.get(order=order)
        assert order.status == OrderStatus.COMPLETED and pickup.verified_by == clerk
        page.reload()
        expect(page.locator("#pickup-verified")).to_contain_text("在门店核销取货")
        assert errors == []
    finally:
        pc.close()
        counter.close()
