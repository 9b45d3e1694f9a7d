"""Queued flash-sale tickets become orders in batches (`checkout.actions.flash_batch`): one transaction
and one guarded UPDATE per batch when the whole batch can be placed, ticket by ticket with `place_order`
when it cannot, so exactly the right tickets fail; a batch delivered twice makes no second order; the
orders carry the same rows and side effects as `place_order`'s."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wxmall.accounts.models import Address
from wxmall.accounts.testing import make_address, make_customer
from wxmall.catalog.models import SKU
from wxmall.catalog.testing import make_sku
from wxmall.checkout import admission, tickets
from wxmall.checkout.actions.flash_batch import FlashTicket, place_flash_batch
from wxmall.checkout.models import FlashSale, FlashSalePurchase
from wxmall.checkout.testing import make_flash_sale
from wxmall.core.models import OutboxMessage
from wxmall.marketing.models import CustomerTouch, OrderTouch
from wxmall.marketing.testing import make_link
from wxmall.orders.models import Order, OrderEvent, OrderLine

pytestmark = pytest.mark.django_db(transaction=True)

WEBHOOK = {
    "merchant_webhook": {
        "handler": "wxmall.core.webhook.post_webhook",
        "url": "http://127.0.0.1:9/hook",
        "secret": "s3cret",
    }
}


def _admit(sale, n, prefix="b"):
    admitted = {}
    for i in range(n):
        user = make_customer(f"{prefix}-{sale.pk}-{i}")
        address = make_address(user)
        admitted[admission.admit(user, sale.pk, address_id=address.pk).id] = (user, address)
    return admitted


def _states(queued, ids):
    return {t: queued.store.ticket(t).get("state") for t in ids}


def _left(queued, sale):
    return int(queued.store.redis.hget(f"wxmall:flash:sale:{sale.pk}", "left"))


def test_a_batch_is_one_guarded_update_and_its_statements_do_not_grow_with_its_size(queued):
    counts = {}
    for n in (5, 25):
        item = make_sku(stock=100, price=599900)
        sale = make_flash_sale(item, price=399900, quota=100, per_user_limit=1)
        admitted = _admit(sale, n)
        with CaptureQueriesContext(connection) as queries:
            assert tickets.drain(budget_seconds=30, idle_ms=0) == n
        sqls = [q["sql"] for q in queries]
        counts[n] = len(sqls)
        updates = [s for s in sqls if s.startswith("UPDATE")]
        assert len([s for s in updates if "checkout_flashsale" in s]) == 1  # one guarded UPDATE of `sold`
        assert len([s for s in updates if "catalog_sku" in s]) == 1  # and one of the stock
        assert set(_states(queued, admitted).values()) == {"ordered"}
        sale.refresh_from_db()
        item.refresh_from_db()
        assert sale.sold == n and item.stock == 100 - n
    # What grows with the batch is only each order's marketing attribution (the `post_save` that
    # `place_order`'s INSERT sends): one read per order.
    assert counts[25] - counts[5] == 20


def test_a_batch_short_of_stock_places_ticket_by_ticket_and_only_the_extra_tickets_fail(queued):
    item = make_sku(stock=10, price=599900)
    sale = make_flash_sale(item, price=399900, quota=10, per_user_limit=1)
    admitted = _admit(sale, 10)
    SKU.objects.filter(pk=item.pk).update(stock=7)  # sold elsewhere after admission
    assert tickets.drain(budget_seconds=30, idle_ms=0) == 10
    states = _states(queued, admitted)
    assert sorted(states.values()) == ["failed"] * 3 + ["ordered"] * 7
    failed = [t for t, s in states.items() if s == "failed"]
    assert {queued.store.ticket(t)["code"] for t in failed} == {"out_of_stock"}
    sale.refresh_from_db()
    item.refresh_from_db()
    assert (sale.sold, item.stock, Order.objects.count()) == (7, 0, 7)
    assert _left(queued, sale) == 3  # the failed tickets gave their units back
    assert tickets.reconcile(sale_ids=[sale.pk])[0]["left_drift"] == 0


def test_a_ticket_the_rules_refuse_fails_alone(queued):
    item = make_sku(stock=20, price=599900)
    sale = make_flash_sale(item, price=399900, quota=20, per_user_limit=1)
    admitted = _admit(sale, 6)
    gone_ticket, (_, gone_address) = next(iter(admitted.items()))
    Address.objects.filter(pk=gone_address.pk).delete()  # after admission, before the worker
    assert tickets.drain(budget_seconds=30, idle_ms=0) == 6
    states = _states(queued, admitted)
    assert states.pop(gone_ticket) == "failed"
    assert queued.store.ticket(gone_ticket)["code"] == "address_not_found"
    assert set(states.values()) == {"ordered"}
    sale.refresh_from_db()
    assert sale.sold == 5 == Order.objects.count() == FlashSalePurchase.objects.count()


def _batch(admitted: dict) -> list[FlashTicket]:
    """One one-unit ticket per admitted buyer ({ticket: (user, address)}), as the worker decodes them."""
    return [
        FlashTicket(
            ticket=t,
            user_id=user.pk,
            quantity=1,
            address_id=address.pk,
            admitted_at=timezone.now(),
            key=admission.order_key(t),
        )
        for t, (user, address) in admitted.items()
    ]


def test_a_batch_delivered_twice_makes_no_second_order(queued):
    item = make_sku(stock=20, price=599900)
    sale = make_flash_sale(item, price=399900, quota=20, per_user_limit=1)
    admitted = _admit(sale, 8)
    batch = _batch(admitted)
    first = place_flash_batch(sale.pk, batch)
    again = place_flash_batch(sale.pk, batch + batch[:3])  # replayed, and read twice in one batch
    assert first == again and set(first) == set(admitted)
    assert Order.objects.count() == 8 == FlashSale.objects.get(pk=sale.pk).sold
    # The stream still holds them (the worker "died" before acknowledging): settling them now moves
    # each ticket to its existing order.
    assert tickets.drain(budget_seconds=30, idle_ms=0) == 8
    assert Order.objects.count() == 8
    assert {queued.store.ticket(t)["order_no"] for t in admitted} == set(first.values())


def test_two_workers_placing_the_same_batch_at_once_make_each_order_once(queued):
    item = make_sku(stock=40, price=599900)
    sale = make_flash_sale(item, price=399900, quota=40, per_user_limit=1)
    admitted = _admit(sale, 30)
    batch = _batch(admitted)
    start = threading.Barrier(2)

    def worker(tickets_in_order):
        start.wait()
        try:
            return place_flash_batch(sale.pk, tickets_in_order)
        finally:
            connection.close()

    # A reclaimed batch racing its first worker; the second one sees it in the opposite order.
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(worker, [batch, batch[::-1]]))
    assert answers[0] == answers[1] and len(answers[0]) == 30
    sale.refresh_from_db()
    item.refresh_from_db()
    assert Order.objects.count() == 30 == sale.sold == 40 - item.stock
    assert FlashSalePurchase.objects.count() == 30


def test_a_customer_over_the_limit_in_one_batch_gets_exactly_the_limit(queued):
    item = make_sku(stock=20, price=599900)
    sale = make_flash_sale(item, price=399900, quota=20, per_user_limit=2)
    user = make_customer("twice")
    address = make_address(user)
    now = timezone.now()
    batch = [
        FlashTicket(
            ticket=f"{i:032x}",
            user_id=user.pk,
            quantity=1,
            address_id=address.pk,
            admitted_at=now,
            key=admission.order_key(f"{i:032x}"),
        )
        for i in range(3)
    ]  # three tickets for a limit of 2 (Redis would not admit them; the database must hold anyway)
    assert place_flash_batch(sale.pk, batch) is None  # refused as a whole: nothing written
    assert Order.objects.count() == 0
    assert FlashSale.objects.get(pk=sale.pk).sold == 0
    assert place_flash_batch(sale.pk, batch[:2]) is not None
    assert FlashSalePurchase.objects.filter(user=user).count() == 2


def test_batch_orders_have_the_rows_and_side_effects_of_place_order(queued, settings):
    settings.OUTBOX_DESTINATIONS = settings.OUTBOX_DESTINATIONS | WEBHOOK
    item = make_sku(stock=20, price=599900)
    sale = make_flash_sale(item, price=399900, quota=20, per_user_limit=1)
    admitted = _admit(sale, 3)
    toucher, _ = next(iter(admitted.values()))
    link = make_link(channel="moments")
    CustomerTouch.objects.create(
        user=toucher, visitor="v" * 32, first_link=link, last_link=link, last_at=timezone.now()
    )
    assert tickets.drain(budget_seconds=30, idle_ms=0) == 3
    for order in Order.objects.all():
        line = OrderLine.objects.get(order=order)
        assert (line.unit_price, line.quantity, line.flash_sale_id, line.sku_id) == (
            399900,
            1,
            sale.pk,
            item.pk,
        )
        assert order.subtotal == 399900 and order.total == order.subtotal + order.shipping_fee
        assert order.status == "pending_payment" and order.expires_at > order.created_at
        event = OrderEvent.objects.get(order=order)
        assert (event.from_status, event.to_status, event.actor_id, event.reason) == (
            "",
            "pending_payment",
            order.user_id,
            "下单",
        )
        message = OutboxMessage.objects.get(idempotency_key=f"order-status:{order.order_no}:{event.pk}")
        assert (message.payload["from"], message.payload["to"]) == (None, "pending_payment")
        assert message.payload["total"] == order.total
    touched = Order.objects.get(user=toucher)
    assert OrderTouch.objects.get(order=touched).last_link_id == link.pk
    assert touched.channel == "moments"
