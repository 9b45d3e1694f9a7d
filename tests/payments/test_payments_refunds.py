"""Refunds through wxsandbox: partial then full, refund notifications, stock back; surplus payments on a
cancelled order refunded automatically; Mini Program requestPayment parameters."""

import pytest
from django.test import Client

from helpers.pay import paid, settle
from wxmall.accounts.models import WeChatIdentity
from wxmall.catalog.models import SKU
from wxmall.core.relay import relay
from wxmall.orders import actions as order_actions
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.payments import actions
from wxmall.payments.models import Payment, PaymentStatus, Refund, RefundStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_pay(pay_hub, live_server, settings):
    settings.WECHAT_PAY = settings.WECHAT_PAY | {
        "notify_url": f"{live_server.url}/payments/notify/",
        "refund_notify_url": f"{live_server.url}/payments/notify/refund/",
    }
    return pay_hub


@pytest.fixture
def staff(db):
    from wxmall.accounts.testing import make_customer

    user = make_customer("staff-refunds", is_staff=True)
    client = Client()
    client.force_login(user)
    return client


def test_partial_then_full_refund_returns_the_stock(live_pay, order, customer, staff, sku):
    paid(live_pay, order, customer)
    stock_after_sale = SKU.objects.get(pk=sku.pk).stock
    url = f"/api/payments/orders/{order.order_no}/refunds"
    first = staff.post(url, {"amount": 3000, "reason": "价保"}, content_type="application/json")
    assert first.status_code == 200 and first.json()["completes_order"] is False
    settle(lambda: Refund.objects.get().status == RefundStatus.SUCCESS)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # a partial refund leaves the order as it is
    assert live_pay.sandbox.state.scalar("SELECT refunded_total FROM pay_orders") == 3000

    over = staff.post(url, {"amount": order.total}, content_type="application/json")
    assert over.status_code == 409 and over.json()["code"] == "payment_refund_too_much"
    assert Refund.objects.count() == 1

    rest = staff.post(url, {"reason": "整单退款"}, content_type="application/json")
    assert rest.status_code == 200 and rest.json()["amount"] == order.total - 3000
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUND_REQUESTED
    settle(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED)
    assert SKU.objects.get(pk=sku.pk).stock == stock_after_sale + 1  # never shipped: back on the shelf
    assert list(Refund.objects.values_list("status", flat=True)) == [RefundStatus.SUCCESS] * 2


def test_only_staff_refund_and_bad_amounts_are_refused(pay_hub, order, customer, api, staff):
    url = f"/api/payments/orders/{order.order_no}/refunds"
    assert api.post(url, {"amount": 1}, content_type="application/json").status_code == 403
    unpaid = staff.post(url, {"amount": 1}, content_type="application/json")
    assert unpaid.status_code == 409 and unpaid.json()["code"] == "payment_refund_not_allowed"
    for bad in ({"amount": 0}, {"amount": -5}, {"amount": "x"}, {"reason": "长" * 81}):
        assert staff.post(url, bad, content_type="application/json").status_code == 400
    assert (
        staff.post(
            "/api/payments/orders/NOSUCHORDER1/refunds", {}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Refund.objects.count() == 0


def test_a_payment_landing_on_a_cancelled_order_is_refunded(live_pay, order, customer):
    payment = actions.start_payment(order.order_no, customer, "native")
    order_actions.cancel_by_customer(customer, order.order_no)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CLOSED  # closed here, and a close is queued for WeChat
    # The customer had the QR code open and pays before WeChat closes it.
    done = live_pay.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": "lihua"})
    assert live_pay.wait_delivery(done["deliveries"][0])["status"] == "delivered"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FLAGGED and "自动退款" in payment.flag_reason
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    settle(lambda: Refund.objects.filter(status=RefundStatus.SUCCESS).exists())
    refund = Refund.objects.get()
    assert refund.amount == order.total and refund.completes_order is False


def test_miniprogram_gets_request_payment_parameters(pay_hub, order, customer, api):
    url = f"/api/payments/orders/{order.order_no}/miniprogram"
    missing = api.post(url)
    assert missing.status_code == 400 and missing.json()["code"] == "payment_openid_missing"
    mp = pay_hub.app_of_kind("mini_program")
    WeChatIdentity.objects.create(
        user=customer, appid=mp.appid, openid=pay_hub.openid("lihua", mp.appid), kind="miniprogram"
    )
    params = api.post(url).json()
    assert set(params) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    payment = Payment.objects.get()
    assert params["package"] == f"prepay_id={payment.prepay_id}" and payment.method == "miniprogram"
    cashier = pay_hub.control(
        "POST", "pay/invoke", json={"params": params | {"appId": mp.appid}, "user_id": "lihua"}
    )
    assert cashier["prepay_id"] == payment.prepay_id
    other = Client()
    from wxmall.accounts.testing import make_customer

    other.force_login(make_customer("mp-stranger"))
    assert other.post(url).status_code == 404


def test_timeout_closes_on_wechat_before_cancelling(pay_hub, customer, address, cheap_sku):
    from datetime import timedelta

    from django.utils import timezone

    from wxmall.checkout.actions import place_order
    from wxmall.payments import tasks

    unpaid = place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk)
    late = place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk)
    first = actions.start_payment(unpaid.order_no, customer, "native")
    second = actions.start_payment(late.order_no, customer, "native")
    # The customer pays the second in the last second; its notification is lost.
    pay_hub.add_fault(target="callback:pay.notify", drop=True)
    pay_hub.control("POST", "pay/confirm", json={"code_url": second.code_url, "user_id": "lihua"})
    Order.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tasks.close_expired() == 2
    unpaid.refresh_from_db()
    late.refresh_from_db()
    assert unpaid.status == OrderStatus.CANCELLED
    assert (
        pay_hub.sandbox.state.scalar(
            "SELECT trade_state FROM pay_orders WHERE out_trade_no = ?", (first.out_trade_no,)
        )
        == "CLOSED"
    )
    assert late.status == OrderStatus.PAID  # found by the refused close, not cancelled and refunded
    assert Refund.objects.count() == 0
    assert tasks.close_expired() == 0


@pytest.fixture
def slow_refunds(wxsandbox_factory, live_server, settings):
    """A sandbox whose refunds take weeks to settle (hours of real time at the tests' time_factor), so a
    test decides their fate; notifications go to the live hub."""
    from wxmall.payments.testing import pay_settings

    sandbox = wxsandbox_factory(pay={"refund_settle_seconds": 3_000_000})
    settings.WECHAT_PAY = pay_settings(
        sandbox.merchant,
        sandbox.app_of_kind("official_account").appid,
        sandbox.app_of_kind("mini_program").appid,
        notify_url=f"{live_server.url}/payments/notify/",
        refund_notify_url=f"{live_server.url}/payments/notify/refund/",
    )
    settings.WECHAT_PAY_API_BASE = sandbox.base_url
    return sandbox


def test_a_stuck_refund_is_queried_and_an_abnormal_one_flagged(slow_refunds, order, customer, settings):
    from wxmall.payments.tasks import query_stuck_refunds

    live_pay = slow_refunds
    paid(live_pay, order, customer)
    refund = actions.refund_order(order.pk, None, "顾客不要了")
    relay()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PROCESSING
    # WeChat keeps it processing, and every REFUND notification about it is lost on the way.
    live_pay.control(
        "POST", "pay/refund-result", json={"out_refund_no": refund.out_refund_no, "status": "PROCESSING"}
    )
    live_pay.add_fault(target="callback:pay.notify", drop=True)
    assert query_stuck_refunds() == 0  # too young to be called stuck
    settings.REFUND_QUERY_AFTER_SECONDS = 0
    assert query_stuck_refunds() == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PROCESSING and refund.last_queried_at is not None
    # The refund turns ABNORMAL (e.g. the payer's card was cancelled); only the query tells the hub.
    live_pay.control(
        "POST", "pay/refund-result", json={"out_refund_no": refund.out_refund_no, "status": "ABNORMAL"}
    )
    assert query_stuck_refunds() == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.ABNORMAL
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUND_REQUESTED
    # ABNORMAL is not final: once handled at WeChat it succeeds, and the next query completes the order.
    live_pay.control(
        "POST", "pay/refund-result", json={"out_refund_no": refund.out_refund_no, "status": "SUCCESS"}
    )
    assert query_stuck_refunds() == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCESS
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED
    assert query_stuck_refunds() == 0  # nothing left in flight
    assert all(d["status"] == "dropped" for d in live_pay.deliveries() if d["meta"].get("out_refund_no"))


def test_the_beat_schedule_queries_stuck_refunds_every_minute():
    from wxmall.celery import beat_schedule

    entry = beat_schedule()["payments-query-stuck-refunds"]
    assert entry["task"] == "wxmall.payments.query_stuck_refunds" and entry["schedule"] == 60.0


def test_refunds_give_back_spent_points_in_proportion(live_pay, customer, address, staff, sku):
    from wxmall.accounts.models import Member, PointsEntry
    from wxmall.accounts.testing import give_points
    from wxmall.checkout.actions import place_order

    give_points(customer, 50_000)
    order = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, points=50_000)
    assert order.points_discount == 50_000 and Member.objects.get(user=customer).points == 0
    paid(live_pay, order, customer)
    relay()  # the worker accrues the points the payment earned
    earned = order.total // 100
    assert Member.objects.get(user=customer).points == earned

    url = f"/api/payments/orders/{order.order_no}/refunds"
    part = order.total * 3 // 10
    assert staff.post(url, {"amount": part}, content_type="application/json").status_code == 200
    settle(lambda: Refund.objects.get().status == RefundStatus.SUCCESS)
    back = 50_000 * part // order.total
    assert Member.objects.get(user=customer).points == earned + back
    first = PointsEntry.objects.get(order_no=order.order_no, kind=PointsEntry.Kind.REFUND_RETURN)
    assert first.delta == back and first.ref == Refund.objects.get().out_refund_no

    # The same refund result again (a redelivered notification or a query): nothing more comes back.
    refund = Refund.objects.get()
    replay = actions.apply_refund_result(
        {"out_refund_no": refund.out_refund_no, "refund_status": "SUCCESS", "refund_id": refund.refund_id}
    )
    assert replay.outcome == "duplicate"
    assert Member.objects.get(user=customer).points == earned + back

    assert staff.post(url, {"reason": "整单退款"}, content_type="application/json").status_code == 200
    settle(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED)
    entries = PointsEntry.objects.filter(order_no=order.order_no).order_by("id")
    assert [(e.kind, e.delta) for e in entries] == [
        ("spend_order", -50_000),
        ("earn_order", earned),
        ("refund_return", back),
        ("refund_return", 50_000 - back),  # the rest, on the full refund
        ("reverse_order", -earned),
    ]
    assert Member.objects.get(user=customer).points == 50_000
