"""The customer's side: the right method for the browser, the pay page, 我已支付, 申请退款."""

import json
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from wxmall.accounts.models import WeChatIdentity
from wxmall.core.models import OutboxMessage
from wxmall.orders.state import OrderStatus
from wxmall.payments import tasks
from wxmall.payments.models import Payment, PaymentStatus
from wxmall.storefront.views.pay import client_ip, method_for

pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
MOBILE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
WECHAT = MOBILE + " MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"


@pytest.fixture
def shopper(customer):
    def make(agent):
        client = Client(HTTP_USER_AGENT=agent)
        client.force_login(customer)
        return client

    return make


def pay(client, order):
    return client.post(f"/orders/{order.order_no}/pay/start/")


def test_order_page_offers_wechat_pay_instead_of_the_placeholder(shopper, order, pay_hub):
    page = shopper(DESKTOP).get(f"/orders/{order.order_no}/").content.decode()
    assert "即将上线" not in page and 'id="pay-start"' in page


def test_desktop_gets_a_native_qr_with_its_expiry(shopper, order, pay_hub):
    client = shopper(DESKTOP)
    assert pay(client, order).url == f"/orders/{order.order_no}/pay/"
    payment = Payment.objects.get()
    assert payment.method == "native" and payment.code_url.startswith("weixin://wxpay/bizpayurl")
    page = client.get(f"/orders/{order.order_no}/pay/").content.decode()
    assert "<svg" in page and f'data-code-url="{payment.code_url}"' in page and "前有效" in page
    # The same code again while it is valid; a fresh one (new out_trade_no) once it lapsed.
    pay(client, order)
    assert Payment.objects.count() == 1
    Payment.objects.update(code_expires_at=timezone.now() - timedelta(seconds=1))
    assert "支付码已过期" in client.get(f"/orders/{order.order_no}/pay/").content.decode()
    pay(client, order)
    first, second = Payment.objects.order_by("id")
    assert first.status == PaymentStatus.CLOSED and second.status == PaymentStatus.PENDING
    assert second.out_trade_no.endswith("_2") and second.code_url != first.code_url
    close = OutboxMessage.objects.get(destination="wechat_pay", kind="payment.close")
    assert close.payload == {"out_trade_no": first.out_trade_no}


def test_mobile_browser_gets_h5_and_the_ip_comes_from_the_trusted_header_only(
    shopper, order, pay_hub, settings
):
    client = shopper(MOBILE)
    pay(client, order)
    payment = Payment.objects.get()
    assert payment.method == "h5" and payment.h5_url and payment.payer_ip == "127.0.0.1"
    assert 'id="pay-h5"' in client.get(f"/orders/{order.order_no}/pay/").content.decode()
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")
    assert client_ip(request) == "10.0.0.2"  # not behind a configured proxy: the header is ignored
    settings.TRUSTED_PROXY_COUNT = 2  # the client's own entry (left of the proxies') is not trusted
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.1"
    forged = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>")
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(forged) == "127.0.0.1"


def test_wechat_browser_pays_with_jsapi_signed_server_side(shopper, order, pay_hub, customer):
    client = shopper(WECHAT)
    response = pay(client, order)
    assert response.url == f"/orders/{order.order_no}/"  # no openid for the shop's appid yet
    assert Payment.objects.count() == 0
    appid = pay_hub.app_of_kind("official_account").appid
    openid = pay_hub.openid("lihua", appid)
    WeChatIdentity.objects.create(user=customer, appid=appid, openid=openid, kind="oa")
    pay(client, order)
    payment = Payment.objects.get()
    assert payment.method == "jsapi" and payment.prepay_id and payment.payer_openid == openid
    page = client.get(f"/orders/{order.order_no}/pay/").content.decode()
    params = json.loads(page.split('id="pay-jsapi" type="application/json">')[1].split("</script>")[0])
    # WeChat's client accepts the paySign (the sandbox checks it like WeChat does)...
    cashier = pay_hub.control("POST", "pay/invoke", json={"params": params, "user_id": "lihua"})
    assert cashier["prepay_id"] == payment.prepay_id
    # ...and a tampered one is refused.
    bad = pay_hub.client.post("/sandbox/pay/invoke", json={"params": params | {"nonceStr": "x" * 32}})
    assert bad.status_code == 400


def test_i_have_paid_queries_wechat_when_the_notification_is_lost(shopper, order, pay_hub):
    client = shopper(DESKTOP)
    pay(client, order)
    payment = Payment.objects.get()
    # Nothing paid yet: the button says so and changes nothing.
    assert client.post(f"/orders/{order.order_no}/pay/check/").url == f"/orders/{order.order_no}/pay/"
    pay_hub.add_fault(target="callback:pay.notify", drop=True)
    pay_hub.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": "lihua"})
    status = client.get(f"/orders/{order.order_no}/pay/status/").json()
    assert status == {"status": "pending_payment", "paid": False}
    assert client.post(f"/orders/{order.order_no}/pay/check/").url == f"/orders/{order.order_no}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert client.get(f"/orders/{order.order_no}/pay/status/").json()["paid"] is True


def test_the_query_job_finds_payments_whose_notification_never_came(customer, order, pay_hub, settings):
    from wxmall.payments import actions

    payment = actions.start_payment(order.order_no, customer, "native")
    pay_hub.add_fault(target="callback:pay.notify", drop=True)
    pay_hub.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": "lihua"})
    assert tasks.query_pending() == 0  # too young to query
    Payment.objects.update(
        created_at=timezone.now() - timedelta(seconds=settings.PAYMENT_QUERY_AFTER_SECONDS + 1)
    )
    assert tasks.query_pending() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert tasks.query_pending() == 0


def test_another_customers_order_is_not_found(order, pay_hub, other_customer):
    client = Client(HTTP_USER_AGENT=DESKTOP)
    client.force_login(other_customer)
    for url in ("pay/start/", "pay/check/"):
        assert client.post(f"/orders/{order.order_no}/{url}").status_code == 404
    assert client.get(f"/orders/{order.order_no}/pay/status/").status_code == 404
    assert Payment.objects.count() == 0


def test_customer_requests_a_refund_with_a_reason(shopper, order, pay_hub, customer):
    from wxmall.payments import actions
    from wxmall.payments.testing import transaction_resource

    payment = actions.start_payment(order.order_no, customer, "native")
    actions.apply_transaction(transaction_resource(payment))
    client = shopper(DESKTOP)
    page = client.get(f"/orders/{order.order_no}/").content.decode()
    assert 'id="refund-request"' in page
    client.post(f"/orders/{order.order_no}/refund/", {"kind": "refund", "reason": "quality"})
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUND_REQUESTED
    assert (
        order.events.last().reason == "申请仅退款：商品质量问题"
    )  # an after-sales request (wxmall.aftersales)
    listing = client.get("/orders/?status=refund_requested").content.decode()
    assert order.order_no in listing


def test_method_by_user_agent():
    rf = RequestFactory()
    assert method_for(rf.get("/", HTTP_USER_AGENT=WECHAT)) == "jsapi"
    assert method_for(rf.get("/", HTTP_USER_AGENT=MOBILE)) == "h5"
    assert method_for(rf.get("/", HTTP_USER_AGENT=DESKTOP)) == "native"
    assert method_for(rf.get("/")) == "native"


def test_the_customer_may_choose_another_method(shopper, order, pay_hub, customer, settings):
    appid = pay_hub.app_of_kind("official_account").appid
    WeChatIdentity.objects.create(
        user=customer, appid=appid, openid=pay_hub.openid("lihua", appid), kind="oa"
    )
    client = shopper(DESKTOP)
    client.post(f"/orders/{order.order_no}/pay/start/", {"method": "jsapi"})
    assert Payment.objects.get().method == "jsapi"
    page = client.get(f"/orders/{order.order_no}/pay/").content.decode()
    # In the demo the page loads wxsandbox's WeixinJSBridge, and CSP allows exactly that origin.
    assert f'src="{settings.WXSANDBOX_PHONE_ORIGIN}/phone/jsbridge.js"' in page
    client.post(f"/orders/{order.order_no}/pay/start/", {"method": "bitcoin"})  # unknown: the browser's
    assert Payment.objects.order_by("-id").first().method == "native"
