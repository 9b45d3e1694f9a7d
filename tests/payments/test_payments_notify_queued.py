"""The two-phase notify itself (issue 8): the endpoint stores a verified notification and answers 204
before anything is applied; the worker applies it exactly once, whatever arrives meanwhile (a duplicate,
the "我已支付" query, a second worker), and a notification whose kick was lost or whose worker crashed is
applied by the sweep. The rest of the suite applies in the request (PAYMENT_NOTIFY_APPLY_EAGER)."""

import os
import signal
import subprocess
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from helpers.worker import pay_env, start_worker, worker_env
from wxmall.orders import hooks
from wxmall.orders.state import OrderStatus
from wxmall.payments import actions, tasks
from wxmall.payments.models import Notification, NotificationOutcome, Payment, PaymentStatus, Refund
from wxmall.payments.testing import signed_notification, transaction_resource

pytestmark = pytest.mark.django_db(transaction=True)
NOTIFY = "/payments/notify/"
REFUND_NOTIFY = "/payments/notify/refund/"


@pytest.fixture
def kicks(settings, monkeypatch):
    """Queued mode; the kicks are recorded instead of sent (the worker's pass is called by the test)."""
    settings.PAYMENT_NOTIFY_APPLY_EAGER = False
    sent: list[int] = []
    monkeypatch.setattr(actions, "kick_apply", sent.append)
    return sent


@pytest.fixture
def native(pay_hub, order, customer):
    return actions.start_payment(order.order_no, customer, "native")


def post(body, headers, path=NOTIFY, client=None):
    return (client or Client()).post(path, data=body, content_type="application/json", **headers)


def paid_events(order) -> int:
    return order.events.filter(to_status=OrderStatus.PAID).count()


def test_the_answer_comes_before_the_apply_and_the_worker_pays(kicks, native, pay_hub, order):
    resource = transaction_resource(native)
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, resource)
    assert post(body, headers).status_code == 204
    stored = Notification.objects.get()
    assert (stored.outcome, stored.deliveries, stored.body) == (
        NotificationOutcome.RECEIVED,
        1,
        body.decode(),
    )
    assert stored.resource == resource  # what the worker applies: verified and decrypted by the endpoint
    order.refresh_from_db()
    native.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and native.status == PaymentStatus.PENDING
    assert kicks == [stored.pk]

    assert tasks.apply_notifications() == 1
    order.refresh_from_db()
    native.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.payment_transaction_id == resource["transaction_id"]
    assert native.status == PaymentStatus.PAID
    stored.refresh_from_db()
    assert stored.outcome == NotificationOutcome.APPLIED
    assert tasks.apply_notifications() == 0  # nothing left: a second pass changes nothing
    assert paid_events(order) == 1


def test_the_sweep_applies_a_stranded_notification_and_leaves_fresh_ones_to_their_kick(
    kicks, pay_hub, customer, address, sku, settings
):
    from wxmall.checkout.actions import place_order

    stranded_order, fresh_order = (
        place_order(customer, items=[(sku.pk, 1)], address_id=address.pk) for _ in range(2)
    )
    for order in (stranded_order, fresh_order):
        payment = actions.start_payment(order.order_no, customer, "native")
        body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, transaction_resource(payment))
        assert post(body, headers).status_code == 204
    # The first one's kick was lost (broker down, worker killed before the pass) a while ago.
    stranded, fresh = Notification.objects.order_by("pk")
    Notification.objects.filter(pk=stranded.pk).update(received_at=timezone.now() - timedelta(seconds=60))

    assert tasks.apply_notifications(older_than=settings.PAYMENT_NOTIFY_SWEEP_SECONDS) == 1
    stranded_order.refresh_from_db()
    fresh_order.refresh_from_db()
    assert stranded_order.status == OrderStatus.PAID
    assert fresh_order.status == OrderStatus.PENDING_PAYMENT
    assert Notification.objects.get(pk=fresh.pk).outcome == NotificationOutcome.RECEIVED


def test_a_long_backlog_is_applied_in_passes_each_queueing_the_next(
    kicks, pay_hub, customer, address, sku, monkeypatch
):
    """A pass stops after APPLY_PASS notifications and queues a task for the rest, so whatever else waits
    for the worker (the outbox relay delivering the orders already paid) gets its turn in between."""
    from wxmall.checkout.actions import place_order

    for _ in range(3):
        order = place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
        payment = actions.start_payment(order.order_no, customer, "native")
        body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, transaction_resource(payment))
        assert post(body, headers).status_code == 204
    queued = []
    monkeypatch.setattr(tasks, "APPLY_PASS", 2)
    monkeypatch.setattr(tasks.apply_notifications, "apply_async", lambda **options: queued.append(options))
    assert tasks.apply_notifications() == 2
    assert queued == [{"kwargs": {"older_than": 0.0}}]
    assert Notification.objects.filter(outcome=NotificationOutcome.RECEIVED).count() == 1
    assert tasks.apply_notifications() == 1  # the queued task: the rest, and no further task
    assert len(queued) == 1
    assert not Notification.objects.filter(outcome=NotificationOutcome.RECEIVED).exists()


def test_the_sweep_is_scheduled(settings):
    from wxmall.celery import beat_schedule

    entry = beat_schedule()["payments-apply-notifications"]
    assert entry["task"] == actions.APPLY_TASK
    assert entry["schedule"] == settings.PAYMENT_NOTIFY_SWEEP_SECONDS
    assert entry["kwargs"] == {"older_than": settings.PAYMENT_NOTIFY_SWEEP_SECONDS}


def test_a_crash_mid_apply_leaves_it_received_and_the_next_pass_pays_once(
    kicks, native, pay_hub, order, monkeypatch
):
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, transaction_resource(native))
    assert post(body, headers).status_code == 204

    def crash(order, from_status, to_status):
        raise RuntimeError("worker lost its database connection")

    real = hooks.registry
    monkeypatch.setattr(hooks, "registry", real.extended(crash, to=OrderStatus.PAID))
    assert tasks.apply_notifications() == 0  # logged; the pass goes on with the others
    order.refresh_from_db()
    native.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and not order.payment_transaction_id
    assert native.status == PaymentStatus.PENDING and native.transaction_id is None  # rolled back whole
    assert Notification.objects.get().outcome == NotificationOutcome.RECEIVED

    monkeypatch.setattr(hooks, "registry", real)
    assert tasks.apply_notifications() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and paid_events(order) == 1
    assert Notification.objects.get().outcome == NotificationOutcome.APPLIED


def test_a_duplicate_arriving_during_the_apply_is_stored_once_and_paid_once(
    kicks, native, pay_hub, order, monkeypatch
):
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, transaction_resource(native))
    assert post(body, headers).status_code == 204
    inside, release = threading.Event(), threading.Event()

    def slow(order, from_status, to_status):
        inside.set()
        assert release.wait(30)

    monkeypatch.setattr(hooks, "registry", hooks.registry.extended(slow, to=OrderStatus.PAID))
    results: dict[str, object] = {}

    def worker():
        try:
            results["applied"] = actions.apply_received()
        finally:
            connection.close()

    def retry():
        try:
            results["status"] = post(body, headers).status_code
        finally:
            connection.close()

    applying = threading.Thread(target=worker)
    applying.start()
    assert inside.wait(30), "the apply never reached the paid hooks"
    duplicate = threading.Thread(target=retry)
    duplicate.start()
    time.sleep(0.3)  # the redelivery reaches the database while the apply holds its locks
    release.set()
    applying.join(30)
    duplicate.join(30)
    assert results == {"applied": 1, "status": 204}
    stored = Notification.objects.get()
    assert (stored.outcome, stored.deliveries) == (NotificationOutcome.APPLIED, 2)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and paid_events(order) == 1


def test_racing_workers_and_the_customers_query_pay_exactly_once(kicks, native, pay_hub, order):
    """Several worker passes and the "我已支付" path (its query answer goes through `apply_transaction`) at
    the same moment, in real threads: on PostgreSQL the passes skip the row another holds, on SQLite they
    queue. One paid event, one settled outcome."""
    resource = transaction_resource(native)
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, resource)
    assert post(body, headers).status_code == 204
    start = threading.Barrier(5)
    outcomes: list[object] = []
    errors: list[BaseException] = []

    def run(job):
        try:
            start.wait(10)
            outcomes.append(job())
        except BaseException as exc:  # noqa: BLE001 — reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    jobs = [actions.apply_received] * 4 + [lambda: actions.apply_transaction(resource).outcome]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(o for o in outcomes if isinstance(o, int)) <= 1  # at most one pass settled it
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and paid_events(order) == 1
    assert Payment.objects.filter(order=order, status=PaymentStatus.PAID).count() == 1
    stored = Notification.objects.get()
    # Applied by a pass, or found done (the query won the payment's lock first).
    assert stored.outcome in (NotificationOutcome.APPLIED, NotificationOutcome.DUPLICATE)


def test_an_unknown_order_is_stored_answered_and_flagged_by_the_worker(kicks, native, pay_hub, order):
    resource = transaction_resource(native, out_trade_no="WX-NOT-OURS_1")
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, resource)
    assert post(body, headers).status_code == 204  # WeChat must stop retrying: it is stored for staff
    assert tasks.apply_notifications() == 1
    stored = Notification.objects.get()
    assert (stored.outcome, stored.detail) == (NotificationOutcome.FLAGGED, "未知的商户订单号")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_an_event_of_the_other_kind_is_stored_ignored_and_never_kicked(kicks, native, pay_hub):
    body, headers = signed_notification(
        pay_hub.sandbox, pay_hub.merchant, transaction_resource(native), event_type="REFUND.SUCCESS"
    )
    assert post(body, headers).status_code == 204
    stored = Notification.objects.get()
    assert stored.outcome == NotificationOutcome.IGNORED and stored.detail.startswith("意外的事件类型")
    assert kicks == []


def test_a_refund_notification_takes_the_same_queued_path(kicks, native, pay_hub, order):
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, transaction_resource(native))
    assert post(body, headers).status_code == 204
    assert tasks.apply_notifications() == 1  # paid
    refund = actions.refund_order(order.pk, 1000, "部分退款")
    resource = {
        "mchid": native.mchid,
        "out_trade_no": native.out_trade_no,
        "transaction_id": Payment.objects.get(pk=native.pk).transaction_id,
        "out_refund_no": refund.out_refund_no,
        "refund_id": "50300000000000000000000001",
        "refund_status": "SUCCESS",
        "success_time": "2026-12-01T20:05:00+08:00",
        "amount": {
            "total": native.amount,
            "refund": 1000,
            "payer_total": native.amount,
            "payer_refund": 1000,
        },
    }
    body, headers = signed_notification(
        pay_hub.sandbox, pay_hub.merchant, resource, event_type="REFUND.SUCCESS"
    )
    assert post(body, headers, path=REFUND_NOTIFY).status_code == 204
    assert Refund.objects.get(pk=refund.pk).status != "success"  # not yet: the worker applies it
    assert tasks.apply_notifications() == 1
    assert Refund.objects.get(pk=refund.pk).status == "success"
    assert Notification.objects.get(event_type="REFUND.SUCCESS").outcome == NotificationOutcome.APPLIED


def test_the_kick_debounces_to_one_task_per_window(pay_hub, settings, monkeypatch):
    """Many notifications in one window cost one worker task, due at the window's end."""
    from wxmall.payments.actions import celery_app

    settings.PAYMENT_NOTIFY_APPLY_EAGER = False
    settings.PAYMENT_NOTIFY_KICK_WINDOW_SECONDS = 30  # every call below lands in the same window
    sent = []

    class Signature:
        def apply_async(self, **options):
            sent.append(options)

    monkeypatch.setattr(celery_app, "signature", lambda name: sent.append(name) or Signature())
    for notification_id in range(5):
        actions.kick_apply(notification_id)
    assert sent[0] == actions.APPLY_TASK
    assert len([s for s in sent if isinstance(s, dict)]) == 1
    assert sent[1]["eta"].timestamp() % 30 == 0 and sent[1]["eta"].timestamp() > time.time()


def test_an_unreachable_broker_still_answers_and_the_sweep_pays(
    native, pay_hub, order, settings, monkeypatch
):
    from wxmall.payments.actions import celery_app

    settings.PAYMENT_NOTIFY_APPLY_EAGER = False

    def down(name):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(celery_app, "signature", down)
    body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, transaction_resource(native))
    assert post(body, headers).status_code == 204
    assert Notification.objects.get().outcome == NotificationOutcome.RECEIVED
    Notification.objects.update(received_at=timezone.now() - timedelta(minutes=1))
    assert tasks.apply_notifications(older_than=settings.PAYMENT_NOTIFY_SWEEP_SECONDS) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


@pytest.mark.slow
def test_the_embedded_worker_applies_a_kicked_notification(native, pay_hub, order, settings):
    """As in `make run`: the kick goes through the filesystem broker (or the configured one) to a real
    `celery worker` on the same database, which pays the order within seconds."""
    queue = f"notify-{os.getpid()}"  # its own queue: the suite's broker folder holds other tests' kicks
    settings.PAYMENT_NOTIFY_APPLY_EAGER = False
    settings.PAYMENT_NOTIFY_QUEUE = queue
    env = worker_env(**pay_env(settings.WECHAT_PAY, pay_hub.base_url))
    worker = start_worker(env, queue, log_level="info", stderr=subprocess.PIPE)
    ready = threading.Event()

    def watch():  # a kick expires unless taken up soon: post once the worker consumes (`ready.`)
        for line in worker.stderr:
            if " ready." in line:
                ready.set()

    threading.Thread(target=watch, daemon=True).start()
    try:
        assert ready.wait(90), "the worker did not start"
        body, headers = signed_notification(pay_hub.sandbox, pay_hub.merchant, transaction_resource(native))
        assert post(body, headers).status_code == 204
        deadline = time.monotonic() + 60
        while Notification.objects.get().outcome == NotificationOutcome.RECEIVED:
            assert worker.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the kicked worker never applied the notification"
            time.sleep(0.1)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(20)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and paid_events(order) == 1
    assert Notification.objects.get().outcome == NotificationOutcome.APPLIED
