"""线下收款: staff with the permission mark an unpaid order paid offline, through the orders paid path;
refused without the permission, for a paid or cancelled order, and while a WeChat payment is in flight."""

import pytest
from django.test import Client

from helpers.db import refused
from wxmall.audit.models import AuditEntry
from wxmall.checkout import actions as checkout
from wxmall.fulfilment.testing import make_staff
from wxmall.orders import actions as order_actions
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus as S
from wxmall.payments import actions
from wxmall.payments.models import OfflinePayment

pytestmark = pytest.mark.django_db


@pytest.fixture
def cashier(db):
    return make_staff("mark_paid_offline", "ship_order", username="cashier")


@pytest.fixture
def unpaid(customer, address, sku):
    return checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)


def test_marking_an_unpaid_order_paid_offline_goes_through_the_paid_path(unpaid, cashier, sku):
    sales_before = sku.product.sales_count
    record = actions.mark_paid_offline(unpaid.pk, cashier, reference="TR20261202001", reason="对公转账")
    order = Order.objects.get(pk=unpaid.pk)
    assert (
        order.status == S.PAID
        and order.paid_at
        and order.payment_transaction_id == f"OFFLINE-{order.order_no}"
    )
    assert (record.amount, record.recorded_by) == (order.total, cashier)
    event = order.events.last()
    assert (event.actor, event.actor_kind, event.reason) == (
        cashier,
        "staff",
        "线下收款：对公转账（凭证 TR20261202001）",
    )
    assert AuditEntry.objects.get(action="order.mark_paid_offline").summary.startswith(
        "登记线下收款 ¥1,299.00"
    )
    sku.product.refresh_from_db()
    assert sku.product.sales_count == sales_before + 1  # the paid hooks ran
    refused(
        "illegal_transition", actions.mark_paid_offline, unpaid.pk, cashier, reference="x", reason="再来一次"
    )
    # A WeChat payment that still lands is a second payment for a paid order.
    refused(
        "paid_by_other_transaction",
        order_actions.mark_paid,
        order.order_no,
        "4200000001",
        order.paid_at,
        order.total,
    )


def test_refused_without_permission_for_cancelled_orders_and_bad_input(unpaid, customer):
    refused(
        "payment_offline_not_permitted",
        actions.mark_paid_offline,
        unpaid.pk,
        make_staff("ship_order"),
        reference="x",
        reason="y",
    )
    cashier = make_staff("mark_paid_offline")
    refused(
        "payment_offline_invalid", actions.mark_paid_offline, unpaid.pk, cashier, reference="", reason="现金"
    )
    refused(
        "payment_offline_invalid",
        actions.mark_paid_offline,
        unpaid.pk,
        cashier,
        reference="r",
        reason="长" * 101,
    )
    order_actions.cancel_by_customer(customer, unpaid.order_no)
    exc = refused(
        "illegal_transition", actions.mark_paid_offline, unpaid.pk, cashier, reference="r", reason="现金"
    )
    assert "已取消" in exc.message


def test_refused_while_a_wechat_payment_is_in_flight(pay_hub, unpaid, customer, cashier):
    actions.start_payment(unpaid.order_no, customer, "native")
    exc = refused(
        "payment_offline_in_flight",
        actions.mark_paid_offline,
        unpaid.pk,
        cashier,
        reference="r",
        reason="现金",
    )
    assert "进行中的微信支付" in exc.message


def test_the_console_form_marks_paid_and_hides_from_others(unpaid, cashier):
    client = Client()
    client.force_login(cashier)
    url = f"/console/fulfilment/orders/{unpaid.pk}/"
    assert "登记线下收款" in client.get(url).content.decode()
    response = client.post(f"{url}offline-paid/", {"reason": "门店现金", "reference": "RC-0001"})
    assert response.status_code == 302 and OfflinePayment.objects.filter(order=unpaid).exists()
    assert "已登记线下收款" in client.get(url).content.decode()
    other = make_staff("ship_order")
    client.force_login(other)
    assert "登记线下收款" not in client.get(url).content.decode()
