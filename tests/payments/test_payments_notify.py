"""Native prepay against wxsandbox, then WeChat's signed, encrypted notification through the hub's notify
endpoint: paid exactly once; forged, stale, replayed, tampered or foreign notifications change nothing."""

import json
import time

import pytest

from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.payments import actions
from wxmall.payments.models import Notification, NotificationOutcome, Payment, PaymentStatus
from wxmall.payments.testing import signed_notification, transaction_resource

pytestmark = pytest.mark.django_db(transaction=True)
NOTIFY = "/payments/notify/"


@pytest.fixture
def native(pay_hub, order, customer):
    return actions.start_payment(order.order_no, customer, "native")


def post(client, body, headers):
    return client.post(NOTIFY, data=body, content_type="application/json", **headers)


def state(order):
    order.refresh_from_db()
    return order.status, order.payment_transaction_id, order.events.count()


def test_native_prepay_gets_a_code_url_from_wxsandbox(native, pay_hub, order):
    assert native.code_url.startswith("weixin://wxpay/bizpayurl?pr=")
    assert native.out_trade_no == f"{order.order_no}_1" and native.amount == order.total
    sandbox_order = pay_hub.sandbox.state.one("SELECT * FROM pay_orders")
    assert sandbox_order["out_trade_no"] == native.out_trade_no
    assert sandbox_order["amount_total"] == order.total


def test_a_real_notification_marks_the_order_paid_once(native, pay_hub, order, client):
    resource = transaction_resource(native)
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, resource)
    assert post(client, body, headers).status_code == 204
    status, transaction_id, events = state(order)
    assert status == OrderStatus.PAID and transaction_id == resource["transaction_id"]
    # The same notification again (WeChat retries), and a fresh one for the same transaction.
    assert post(client, body, headers).status_code == 204
    again, again_headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, resource)
    assert post(client, again, again_headers).status_code == 204
    assert state(order) == (status, transaction_id, events)
    native.refresh_from_db()
    assert native.status == PaymentStatus.PAID and native.paid_amount == order.total
    stored = Notification.objects.order_by("id")
    assert [n.outcome for n in stored] == [NotificationOutcome.APPLIED, NotificationOutcome.DUPLICATE]
    assert stored[0].deliveries == 2 and stored[0].body == body.decode()  # stored raw, byte for byte


def test_a_redelivery_applies_a_stored_notification_that_was_never_applied(native, pay_hub, order, client):
    # The first arrival was stored, then the process died before applying it: the inbox row stays
    # `received`, and WeChat's retry (same id) must apply it, not answer "already done".
    resource = transaction_resource(native)
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, resource)
    Notification.objects.create(
        notify_id=json.loads(body)["id"],
        event_type="TRANSACTION.SUCCESS",
        serial="X",
        headers={},
        body=body.decode(),
        resource=resource,
    )
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert post(client, body, headers).status_code == 204
    assert state(order)[0] == OrderStatus.PAID
    stored = Notification.objects.get()
    assert (stored.outcome, stored.deliveries) == (NotificationOutcome.APPLIED, 2)


def test_concurrent_retries_are_each_counted_and_pay_once(native, pay_hub, order):
    from django.test import Client

    from helpers.threads import run_parallel

    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, transaction_resource(native))
    results = run_parallel([lambda: post(Client(), body, headers).status_code for _ in range(4)])
    assert results == [204] * 4
    assert state(order)[0] == OrderStatus.PAID and order.events.filter(to_status="paid").count() == 1
    stored = Notification.objects.get()
    assert stored.deliveries == 4  # an atomic increment: no retry's count is lost
    # Which arrival settles the row first is a race: a retry that found the payment paid may say so first.
    assert stored.outcome in (NotificationOutcome.APPLIED, NotificationOutcome.DUPLICATE)


def test_platform_certificate_anchor_is_accepted_too(pay_hub, order, customer, settings, client):
    # A migrating merchant: both anchors configured, each notification verified by its own serial.
    from wxmall.payments.testing import pay_settings

    oa = pay_hub.app_of_kind("official_account")
    merchant = pay_hub.merchant
    settings.WECHAT_PAY = pay_settings(merchant, oa.appid) | {"platform_certs": [merchant.platform_cert_pem]}
    payment = actions.start_payment(order.order_no, customer, "native")
    body, headers = signed_notification(
        pay_hub.sandbox, merchant, transaction_resource(payment), anchor="certificate"
    )
    assert headers["HTTP_WECHATPAY_SERIAL"] == merchant.platform_cert_serial
    assert post(client, body, headers).status_code == 204
    assert state(order)[0] == OrderStatus.PAID


def _unchanged(order, client, body, headers, status=401):
    before = state(order)
    response = post(client, body, headers)
    assert response.status_code == status
    assert response.json() == {"code": "FAIL", "message": "失败"}  # never echoes the input
    assert state(order) == before and Notification.objects.count() == 0


def test_forged_signature_wrong_serial_stale_and_probe_are_refused(native, pay_hub, order, client):
    resource = transaction_resource(native)
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, resource)
    forged = dict(headers, HTTP_WECHATPAY_SIGNATURE=headers["HTTP_WECHATPAY_SIGNATURE"][::-1])
    _unchanged(order, client, body, forged)
    _unchanged(order, client, body, dict(headers, HTTP_WECHATPAY_SERIAL="PUB_KEY_ID_0000000000000000000001"))
    _unchanged(order, client, body, dict(headers, HTTP_WECHATPAY_SIGNATURE="WECHATPAY/SIGNTEST/abc"))
    stale_body, stale = signed_notification(
        pay_hub.sandbox, pay_hub.merchant, resource, timestamp=int(time.time()) - 301
    )
    _unchanged(order, client, stale_body, stale)
    future_body, future = signed_notification(
        pay_hub.sandbox, pay_hub.merchant, resource, timestamp=int(time.time()) + 301
    )
    _unchanged(order, client, future_body, future)
    missing = {k: v for k, v in headers.items() if k != "HTTP_WECHATPAY_NONCE"}
    _unchanged(order, client, body, missing)
    # A body changed by one byte after signing (e.g. a framework re-serialising JSON).
    reserialised = json.dumps(json.loads(body)).encode()
    _unchanged(order, client, reserialised, headers)


def test_tampered_ciphertext_and_malformed_json_are_refused(native, pay_hub, order, client):
    from wxsandbox.pay import signing

    merchant = pay_hub.merchant
    anchor = signing.anchors(merchant)["public_key"]
    body, _ = signed_notification(pay_hub.sandbox, merchant, transaction_resource(native))
    envelope = json.loads(body)
    cipher = envelope["resource"]["ciphertext"]
    envelope["resource"]["ciphertext"] = ("A" if cipher[0] != "A" else "B") + cipher[1:]
    for bad in (
        json.dumps(envelope).encode(),
        b"{not json",
        b'{"id":"x","resource":[]}',
    ):
        # Correctly signed by WeChat's key, so only the content is wrong: 400, nothing stored.
        headers = signing.signed_headers(anchor, bad, int(time.time()))
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        _unchanged(order, client, bad, meta, status=400)


def test_amount_mismatch_is_flagged_and_never_paid(native, pay_hub, order, client):
    resource = transaction_resource(native, amount={"total": 1, "payer_total": 1, "currency": "CNY"})
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, resource)
    assert post(client, body, headers).status_code == 204  # stored and flagged; retrying cannot help
    assert state(order)[0] == OrderStatus.PENDING_PAYMENT
    native.refresh_from_db()
    assert native.status == PaymentStatus.FLAGGED and "金额" in native.flag_reason
    assert Notification.objects.get().outcome == NotificationOutcome.FLAGGED


@pytest.mark.parametrize(
    "change",
    [
        {"out_trade_no": "WX00000000000000000000_1"},
        {"mchid": "1999999999"},
        {"appid": "wx0000000000000000"},
        {"trade_state": "NOTPAY"},
    ],
    ids=["unknown-order", "other-merchant", "other-appid", "not-paid"],
)
def test_unknown_order_or_foreign_notification_changes_nothing(native, pay_hub, order, client, change):
    body, headers = signed_notification(
        pay_hub.sandbox, pay_hub.merchant, transaction_resource(native, **change)
    )
    assert post(client, body, headers).status_code == 204
    assert state(order)[0] == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.get().status == PaymentStatus.PENDING
    assert Notification.objects.get().outcome in (NotificationOutcome.FLAGGED, NotificationOutcome.IGNORED)


def test_concurrent_duplicate_notifications_pay_once(native, pay_hub, order):
    import threading

    from django.db import connection
    from django.test import Client

    resource = transaction_resource(native)
    posts = [signed_notification(pay_hub.sandbox, pay_hub.merchant, resource) for _ in range(4)]
    posts += posts  # same ids twice as well
    statuses = []

    def send(body, headers):
        try:
            statuses.append(post(Client(), body, headers).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=p) for p in posts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [204] * len(posts)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.events.filter(to_status=OrderStatus.PAID).count() == 1
    assert Notification.objects.count() == 4


def test_wxsandbox_delivers_to_the_live_hub(pay_hub, order, customer, live_server, settings):
    """End to end: the customer pays in the sandbox and WeChat's own notification reaches the hub."""
    settings.WECHAT_PAY = settings.WECHAT_PAY | {"notify_url": f"{live_server.url}{NOTIFY}"}
    payment = actions.start_payment(order.order_no, customer, "native")
    paid = pay_hub.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": "lihua"})
    assert pay_hub.wait_delivery(paid["deliveries"][0])["status"] == "delivered"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert Payment.objects.get().payer_openid == pay_hub.openid("lihua", payment.appid)
