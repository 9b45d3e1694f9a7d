"""Chaos: wxsandbox drops 30 %, duplicates 20 % and reorders notifications, and the query worker dies in
the middle of its batch and starts again: every paid order ends paid exactly once."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from wxmall.checkout.actions import place_order
from wxmall.orders.models import Order, OrderEvent
from wxmall.orders.state import OrderStatus
from wxmall.payments import actions, tasks
from wxmall.payments.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db(transaction=True)
ORDERS = 24


class WorkerKilled(BaseException):
    """Stands for the worker process dying (not an error the job could catch)."""


def test_lossy_duplicating_reordering_notifications_and_a_worker_restart(
    pay_hub, live_server, settings, customer, address, cheap_sku, monkeypatch
):
    settings.WECHAT_PAY = settings.WECHAT_PAY | {"notify_url": f"{live_server.url}/payments/notify/"}
    pay_hub.clear_faults(seed=20261201)
    pay_hub.add_fault(target="callback:pay.notify", drop=True, probability=0.3)
    pay_hub.add_fault(target="callback:pay.notify", duplicate=True, probability=0.2)
    pay_hub.add_fault(target="callback:pay.notify", reorder=True, probability=0.2)
    orders = [place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk) for _ in range(ORDERS)]
    for order in orders:
        payment = actions.start_payment(order.order_no, customer, "native")
        pay_hub.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": "lihua"})
    deliveries = pay_hub.deliveries(kind="pay.notify")
    assert any(d["status"] == "dropped" for d in deliveries), "the fault rules did not fire"
    deadline = time.monotonic() + 20
    while any(
        d["status"] not in ("delivered", "dropped", "failed") for d in pay_hub.deliveries(kind="pay.notify")
    ):
        assert time.monotonic() < deadline, "notifications still in flight"
        time.sleep(0.05)
    lost = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT).count()
    assert lost > 0  # the dropped ones: only the query job can find them

    # The query job runs, and its worker dies after two orders; a new worker runs the job again.
    Payment.objects.update(created_at=timezone.now() - timedelta(hours=1))
    real_query, calls = actions.query_payment, []

    def dying(payment_id):
        if len(calls) == 2:
            raise WorkerKilled
        calls.append(payment_id)
        return real_query(payment_id)

    monkeypatch.setattr(actions, "query_payment", dying)
    with pytest.raises(WorkerKilled):
        tasks.query_pending()
    monkeypatch.setattr(actions, "query_payment", real_query)
    tasks.query_pending()

    assert Order.objects.filter(status=OrderStatus.PAID).count() == ORDERS
    assert OrderEvent.objects.filter(to_status=OrderStatus.PAID).count() == ORDERS
    assert Payment.objects.filter(status=PaymentStatus.PAID).count() == ORDERS
    for order in Order.objects.all():
        assert order.payment_transaction_id == Payment.objects.get(order=order).transaction_id
