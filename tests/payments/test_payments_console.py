"""Console payment pages: list with filters, detail with attempts / inbox / refunds, the refund form and
the flagged items staff resolve. Money is shown in yuan (¥1,299.00); staff only."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from wxmall.accounts.testing import make_customer
from wxmall.checkout.actions import place_order
from wxmall.core.models import OutboxMessage
from wxmall.customers.testing import as_owner
from wxmall.payments import actions
from wxmall.payments.models import Notification, Payment, PaymentStatus, Refund, RefundStatus
from wxmall.payments.testing import transaction_resource

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clerk(db):
    client = Client()
    client.force_login(as_owner(make_customer("pay-clerk", is_staff=True)))
    return client


def paid_native(pay_hub, order, customer):
    payment = actions.start_payment(order.order_no, customer, "native")
    pay_hub.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": "lihua"})
    assert actions.query_payment(payment.pk).outcome == "applied"
    payment.refresh_from_db()
    return payment


def test_pages_are_for_staff_only(client, customer):
    client.force_login(customer)
    for url in ("/console/payments/", "/console/payments/flagged/", "/console/payments/1/"):
        assert client.get(url).status_code == 302
    assert client.post("/console/payments/1/refund/", {"reason": "x", "full": "1"}).status_code == 302
    assert not Refund.objects.exists()


def test_list_filters_by_state_method_and_day(pay_hub, clerk, customer, address, sku, cheap_sku):
    laptop = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    cable = place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk)
    paid = paid_native(pay_hub, laptop, customer)
    pending = actions.start_payment(cable.order_no, customer, "h5", client_ip="203.0.113.9")
    page = clerk.get("/console/payments/").content.decode()
    assert paid.out_trade_no in page and pending.out_trade_no in page and "¥1,299.00" in page
    assert 'href="/console/payments/"' in clerk.get("/console/").content.decode()  # in the navigation
    only_paid = clerk.get("/console/payments/?status=paid").content.decode()
    assert paid.out_trade_no in only_paid and pending.out_trade_no not in only_paid
    only_h5 = clerk.get("/console/payments/?method=h5").content.decode()
    assert pending.out_trade_no in only_h5 and paid.out_trade_no not in only_h5
    today = timezone.localdate()
    assert paid.out_trade_no in clerk.get(f"/console/payments/?since={today}&until={today}").content.decode()
    later = clerk.get(f"/console/payments/?since={today + timedelta(days=1)}").content.decode()
    assert paid.out_trade_no not in later and "没有符合条件的支付" in later
    # Nonsense filters are ignored, never echoed.
    odd = clerk.get("/console/payments/?status=<b>x</b>&method=%00&since=2026-13-99")
    assert odd.status_code == 200 and "<b>x</b>" not in odd.content.decode()
    assert paid.out_trade_no in odd.content.decode()


def test_detail_shows_attempts_inbox_rows_and_refunds(pay_hub, clerk, order, customer):
    first = actions.start_payment(order.order_no, customer, "h5", client_ip="203.0.113.9")
    paid = paid_native(pay_hub, order, customer)
    resource = transaction_resource(paid)
    Notification.objects.create(
        notify_id="N-1",
        event_type="TRANSACTION.SUCCESS",
        serial="PUB_KEY_ID_1",
        headers={},
        body="{}",
        resource=resource,
        outcome="duplicate",
        deliveries=3,
    )
    Notification.objects.create(
        notify_id="N-2",
        event_type="TRANSACTION.SUCCESS",
        serial="PUB_KEY_ID_1",
        headers={},
        body="{}",
        resource=resource | {"out_trade_no": "SOMEONE_ELSE"},
    )
    actions.refund_order(order.pk, 10000, "<script>alert(1)</script>")
    page = clerk.get(f"/console/payments/{paid.pk}/").content.decode()
    assert first.out_trade_no in page and paid.transaction_id in page
    assert "TRANSACTION.SUCCESS" in page and "重复通知" in page and page.count("TRANSACTION.SUCCESS") == 1
    assert "¥100.00" in page and "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "可退金额 ¥1,199.00" in page
    assert clerk.get("/console/payments/999999/").status_code == 404


def test_the_refund_form_refunds_part_then_the_rest(pay_hub, clerk, order, customer):
    paid = paid_native(pay_hub, order, customer)
    url = f"/console/payments/{paid.pk}/refund/"
    for bad in (
        {"amount": "1.234", "reason": "多了"},
        {"amount": "-5", "reason": "负数"},
        {"amount": "1e3", "reason": "指数"},
        {"amount": "100", "reason": ""},
        {"amount": "1300.00", "reason": "超过可退"},
    ):
        clerk.post(url, bad)
    assert not Refund.objects.exists()
    assert "超过" in clerk.get(f"/console/payments/{paid.pk}/").content.decode()  # the last refusal's message
    clerk.post(url, {"amount": "1,000.50", "reason": "部分退款"})
    partial = Refund.objects.get()
    assert (partial.amount, partial.completes_order, partial.reason) == (100050, False, "部分退款")
    assert OutboxMessage.objects.filter(
        idempotency_key__endswith=partial.out_refund_no
    ).exists()  # submitted via outbox
    clerk.post(url, {"full": "1", "amount": "ignored", "reason": "剩余全退"})
    rest = Refund.objects.exclude(pk=partial.pk).get()
    assert rest.amount == order.total - 100050 and rest.completes_order
    clerk.post(url, {"full": "1", "reason": "再退一次"})
    assert Refund.objects.count() == 2


def test_flagged_items_are_resolved_once_with_who_and_why(pay_hub, clerk, order, customer, address, sku):
    payment = actions.start_payment(order.order_no, customer, "native")
    forged = transaction_resource(payment, amount={"total": payment.amount - 1, "currency": "CNY"})
    assert actions.apply_transaction(forged).outcome == "flagged"
    second = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    paid = paid_native(pay_hub, second, customer)
    refund = actions.refund_order(paid.order_id, 500, "少发配件")
    Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.ABNORMAL)
    page = clerk.get("/console/payments/flagged/").content.decode()
    assert payment.out_trade_no in page and "支付金额与订单金额不一致" in page and "核对微信支付单" in page
    assert refund.out_refund_no in page and "异常退款" in page and "¥5.00" in page
    assert "待处理 2 项" in clerk.get("/console/payments/").content.decode()
    url = f"/console/payments/payment/{payment.pk}/resolve/"
    clerk.post(url, {"note": "   "})
    assert Payment.objects.get(pk=payment.pk).resolved_at is None
    clerk.post(url, {"note": "已与顾客核实，商户平台原路退款"})
    clerk.post(url, {"note": "第二次"})
    resolved = Payment.objects.get(pk=payment.pk)
    assert resolved.resolution_note == "已与顾客核实，商户平台原路退款"
    assert resolved.resolved_by.username == "pay-clerk" and resolved.status == PaymentStatus.FLAGGED
    clerk.post(f"/console/payments/refund/{refund.pk}/resolve/", {"note": "已发起异常退款至银行卡"})
    assert Refund.objects.get(pk=refund.pk).resolved_at is not None
    assert clerk.post("/console/payments/order/1/resolve/", {"note": "x"}).status_code == 302
    page = clerk.get("/console/payments/flagged/").content.decode()
    assert payment.out_trade_no not in page and refund.out_refund_no not in page
    done = clerk.get("/console/payments/flagged/?resolved=1").content.decode()
    assert payment.out_trade_no in done and "已发起异常退款至银行卡" in done
