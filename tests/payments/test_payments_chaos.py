"""Chaos: wxsandbox drops 30 %, duplicates 20 % and reorders notifications, and the Celery worker running
the query job is killed with SIGKILL in the middle of its batch and started again: every paid order ends
paid exactly once. The worker is a real `celery worker` process on the test database and broker."""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from helpers.worker import pay_env, start_worker, worker_env
from wxmall.checkout.actions import place_order
from wxmall.orders.models import Order, OrderEvent
from wxmall.orders.state import OrderStatus
from wxmall.payments import actions, tasks
from wxmall.payments.models import Payment, PaymentStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ORDERS = 24
QUEUE = "chaos"  # its own queue: the suite's broker folder holds other tests' unconsumed kicks


def chaos_env(settings, sandbox) -> dict[str, str]:
    pay = settings.WECHAT_PAY
    return worker_env(
        **pay_env(pay, sandbox.base_url),
        WECHAT_PAY_MP_APPID=pay["mp_appid"],
        WECHAT_PAY_NOTIFY_URL=pay["notify_url"],
        PAYMENT_QUERY_AFTER_SECONDS="0",  # the restarted job re-queries whatever is still pending
    )


def wait_until(predicate, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def queried() -> int:
    return Payment.objects.filter(last_queried_at__isnull=False).count()


def test_lossy_duplicating_reordering_notifications_and_a_killed_worker(
    pay_hub, live_server, settings, customer, address, cheap_sku
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
    assert any(d["status"] == "dropped" for d in pay_hub.deliveries(kind="pay.notify")), "no fault fired"
    wait_until(
        lambda: all(
            d["status"] in ("delivered", "dropped", "failed") for d in pay_hub.deliveries(kind="pay.notify")
        ),
        "notifications still in flight",
        timeout=20,
    )
    lost = Order.objects.filter(status=OrderStatus.PENDING_PAYMENT).count()
    assert lost > 0  # the dropped ones: only the query job can find them

    # Every query answers slowly, so the job is still in its batch when its worker is killed.
    pay_hub.add_fault(target="pay.query", latency_ms=400)
    Payment.objects.update(created_at=timezone.now() - timedelta(hours=1))
    env = chaos_env(settings, pay_hub)
    first = start_worker(env, QUEUE)
    try:
        tasks.query_pending.apply_async(queue=QUEUE)
        wait_until(lambda: queried() >= 2, "the first worker never started querying")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert 2 <= queried() < ORDERS, "the worker was not killed mid-batch"

    # Beat's next tick, taken by a worker started afresh.
    second = start_worker(env, QUEUE)
    try:
        tasks.query_pending.apply_async(queue=QUEUE)
        wait_until(
            lambda: Order.objects.filter(status=OrderStatus.PAID).count() == ORDERS,
            "the restarted worker did not find every payment",
        )
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(20)

    assert Order.objects.filter(status=OrderStatus.PAID).count() == ORDERS
    assert OrderEvent.objects.filter(to_status=OrderStatus.PAID).count() == ORDERS
    assert Payment.objects.filter(status=PaymentStatus.PAID).count() == ORDERS
    for order in Order.objects.all():
        assert order.payment_transaction_id == Payment.objects.get(order=order).transaction_id
