"""Flash-sale admission, the same behaviour on both paths (`flash_mode`: synchronous on the database,
queued through Redis and the worker): a ticket at once, then the order at the flash price; refusals
write nothing; replays and second tabs get no second unit; cancelled or failed tickets give their unit
back exactly once; reconciliation repairs Redis drift."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from helpers.db import unchanged
from wxmall.accounts.testing import make_address, make_customer
from wxmall.catalog.testing import make_sku
from wxmall.checkout import admission, tickets
from wxmall.checkout.actions import place_order
from wxmall.checkout.models import FlashSale, FlashSalePurchase
from wxmall.checkout.testing import make_flash_sale
from wxmall.core import relay
from wxmall.core.errors import DomainError
from wxmall.orders import actions as order_actions
from wxmall.orders.models import Order

pytestmark = pytest.mark.django_db(transaction=True)


def _sale(quota=3, limit=1, stock=10, **kw):
    item = make_sku(stock=stock, price=599900)
    return item, make_flash_sale(item, price=399900, quota=quota, per_user_limit=limit, **kw)


def _buyer(name=None):
    user = make_customer(name)
    return user, make_address(user)


def _code(call) -> str:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def _left(mode, sale) -> int | None:
    if not mode.queued:
        return None
    return int(mode.store.redis.hget(f"wxmall:flash:sale:{sale.pk}", "left"))


def test_ticket_then_order_at_the_flash_price(flash_mode):
    item, sale = _sale()
    user, address = _buyer()
    ticket = admission.admit(user, sale.pk, address_id=address.pk)
    assert ticket.status == ("queued" if flash_mode.queued else "ordered")
    assert len(ticket.id) == 32
    flash_mode.settle()

    done = admission.status(user, ticket.id)
    assert done.status == "ordered" and done.order_no
    order = Order.objects.get(order_no=done.order_no)
    assert (order.user_id, order.subtotal, order.lines.get().unit_price) == (user.pk, 399900, 399900)
    item.refresh_from_db()
    sale.refresh_from_db()
    assert (item.stock, sale.sold) == (9, 1)
    assert _left(flash_mode, sale) in (None, 2)


def test_refusals_write_nothing(flash_mode):
    item, sale = _sale(quota=1, limit=1)
    first, first_address = _buyer()
    admission.admit(first, sale.pk, address_id=first_address.pk)
    flash_mode.settle()
    late, late_address = _buyer()
    _, not_started = _sale(starts_in=timedelta(hours=1))
    with unchanged():
        assert (
            _code(lambda: admission.admit(late, sale.pk, address_id=late_address.pk)) == "flash_sale_sold_out"
        )
        assert (
            _code(lambda: admission.admit(first, sale.pk, address_id=first_address.pk))
            == "flash_sale_user_limit"
        )
        assert (
            _code(lambda: admission.admit(late, not_started.pk, address_id=late_address.pk))
            == "flash_sale_not_active"
        )
        assert (
            _code(lambda: admission.admit(late, 999999, address_id=late_address.pk)) == "flash_sale_not_found"
        )
        # Another customer's address is "not found", and nothing is reserved for it.
        assert (
            _code(lambda: admission.admit(late, not_started.pk, address_id=first_address.pk))
            == "address_not_found"
        )
        assert _code(lambda: admission.admit(late, sale.pk, address_id=late_address.pk, quantity=0)) == (
            "invalid_quantity"
        )
        assert _code(
            lambda: admission.admit(late, sale.pk, address_id=late_address.pk, idempotency_key="bad key!")
        ) == ("invalid_idempotency_key")
    assert _left(flash_mode, sale) in (None, 0)


def test_unknown_address_refused_at_admission(flash_mode):
    _, sale = _sale()
    user, _ = _buyer()
    _, other_address = _buyer()
    assert _code(lambda: admission.admit(user, sale.pk, address_id=other_address.pk)) == "address_not_found"
    flash_mode.settle()
    assert Order.objects.count() == 0
    if flash_mode.queued:  # refused by the script before it reserved anything, and nothing was queued
        assert _left(flash_mode, sale) == sale.quota
        assert not flash_mode.store.redis.exists(f"wxmall:flash:addr:{user.pk}")
        assert flash_mode.store.redis.xlen("wxmall:flash:stream") == 0


def test_admission_trusts_a_confirmed_address_until_it_is_deleted(queued):
    """The steady state costs no database read for the address; a deleted address is asked about again
    (and a ticket admitted on a stale entry is refused by the worker, giving its unit back)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, sale = _sale(quota=5, limit=5)
    user, address = _buyer()
    admission.admit(user, sale.pk, address_id=address.pk, idempotency_key="a-1")
    with CaptureQueriesContext(connection) as ctx:
        admission.admit(user, sale.pk, address_id=address.pk, idempotency_key="a-2")
    assert ctx.captured_queries == []
    queued.settle()  # both ordered
    gone = address.pk
    address.delete()
    assert not queued.store.redis.exists(f"wxmall:flash:addr:{user.pk}")
    assert _code(lambda: admission.admit(user, sale.pk, address_id=gone)) == "address_not_found"
    queued.store.confirm_address(user.pk, gone)  # a stale entry, as if the delete's clear was lost
    stale = admission.admit(user, sale.pk, address_id=gone, idempotency_key="a-3")
    queued.settle()
    assert admission.status(user, stale.id).status == "failed"
    assert admission.status(user, stale.id).code == "address_not_found"
    assert _left(queued, sale) == 5 - 2


def test_same_request_twice_is_one_ticket_and_one_order(flash_mode):
    _, sale = _sale(limit=2)
    user, address = _buyer()
    first = admission.admit(user, sale.pk, address_id=address.pk, idempotency_key="tab-1-click")
    again = admission.admit(user, sale.pk, address_id=address.pk, idempotency_key="tab-1-click")
    assert again.id == first.id and again.replayed and not first.replayed
    flash_mode.settle()
    third = admission.admit(user, sale.pk, address_id=address.pk, idempotency_key="tab-1-click")
    assert third.id == first.id and third.status == "ordered"
    assert Order.objects.filter(user=user).count() == 1
    sale.refresh_from_db()
    assert sale.sold == 1 and _left(flash_mode, sale) in (None, 2)


def test_two_tabs_hold_the_per_customer_limit(flash_mode):
    _, sale = _sale(quota=5, limit=1)
    user, address = _buyer()
    admission.admit(user, sale.pk, address_id=address.pk, idempotency_key="tab-a")
    refused = _code(lambda: admission.admit(user, sale.pk, address_id=address.pk, idempotency_key="tab-b"))
    assert refused == "flash_sale_user_limit"
    flash_mode.settle()
    assert FlashSalePurchase.objects.filter(user=user).count() == 1
    assert _left(flash_mode, sale) in (None, 4)


def test_another_customers_ticket_is_not_found(flash_mode):
    _, sale = _sale()
    user, address = _buyer()
    ticket = admission.admit(user, sale.pk, address_id=address.pk)
    flash_mode.settle()
    stranger, _ = _buyer()
    assert _code(lambda: admission.status(stranger, ticket.id)) == "flash_ticket_not_found"
    assert _code(lambda: admission.status(user, "0" * 32)) == "flash_ticket_not_found"


def test_cancelled_order_gives_its_unit_back_exactly_once(flash_mode):
    item, sale = _sale(quota=1)
    user, address = _buyer()
    ticket = admission.admit(user, sale.pk, address_id=address.pk)
    flash_mode.settle()
    order_no = admission.status(user, ticket.id).order_no
    order_actions.cancel_by_customer(user, order_no)
    relay.relay()
    if flash_mode.queued:  # the outbox delivers at least once: a second delivery changes nothing
        message = admission.RELEASE_DESTINATION
        from wxmall.core.models import OutboxMessage

        row = OutboxMessage.objects.get(destination=message)
        assert admission.deliver_release(row, {}) == "released"
        assert admission.deliver_release(row, {}) == "released"
    assert admission.status(user, ticket.id).status == "released"
    sale.refresh_from_db()
    item.refresh_from_db()
    assert (sale.sold, item.stock) == (0, 10)
    assert _left(flash_mode, sale) in (None, 1)
    # The unit is for sale again: another buyer gets it, and nobody a second one.
    other, other_address = _buyer()
    admission.admit(other, sale.pk, address_id=other_address.pk)
    flash_mode.settle()
    third, third_address = _buyer()
    assert (
        _code(lambda: admission.admit(third, sale.pk, address_id=third_address.pk)) == "flash_sale_sold_out"
    )
    sale.refresh_from_db()
    assert sale.sold == 1


def test_api_admits_and_reports_the_ticket(flash_mode, api, customer, address):
    _, sale = _sale()
    url = f"/api/checkout/flash-sales/{sale.pk}/tickets"
    body = {"address_id": address.pk, "idempotency_key": "api-1"}
    response = api.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == (202 if flash_mode.queued else 201), response.content
    ticket = response.json()
    assert ticket["status"] == ("queued" if flash_mode.queued else "ordered")
    assert ticket["message"] == ("排队中…" if flash_mode.queued else "抢购成功，请尽快支付")
    replay = api.post(url, json.dumps(body), content_type="application/json")
    assert replay.status_code == 200 and replay.json()["ticket"] == ticket["ticket"]
    flash_mode.settle()
    polled = api.get(f"/api/checkout/flash-tickets/{ticket['ticket']}").json()
    assert polled["status"] == "ordered" and polled["order_no"]
    assert api.get("/api/checkout/flash-tickets/not-a-ticket").status_code in (400, 404, 422)
    price = api.post(url, json.dumps({**body, "price": 1}), content_type="application/json")
    assert price.status_code == 400 and price.json()["code"] == "price_not_accepted"


def test_a_ticket_the_database_refuses_fails_and_returns_its_unit(queued):
    item, sale = _sale(quota=2)
    user, address = _buyer()
    ticket = admission.admit(user, sale.pk, address_id=address.pk)
    item.product.is_listed = False  # unlisted after admission: placement refuses it
    item.product.save(update_fields=["is_listed"])
    queued.settle()
    failed = admission.status(user, ticket.id)
    assert (failed.status, failed.code, failed.message) == (
        "failed",
        "sku_unavailable",
        "商品已下架或暂不可售",
    )
    assert Order.objects.count() == 0
    assert _left(queued, sale) == 2
    assert queued.store.redis.hget(f"wxmall:flash:sale:{sale.pk}:users", str(user.pk)) is None
    # Failing it again (a re-delivered entry) gives nothing back a second time.
    assert queued.store.move(sale.pk, ticket.id, "failed", "sku_unavailable") == "failed"
    assert _left(queued, sale) == 2


def test_a_redelivered_ticket_never_makes_a_second_order(queued):
    item, sale = _sale(quota=3)
    buyers = [_buyer() for _ in range(3)]
    for user, address in buyers:
        admission.admit(user, sale.pk, address_id=address.pk)
    store = queued.store
    store.ensure_group()
    entries = store.redis.xreadgroup("materialisers", "w1", {"wxmall:flash:stream": ">"}, count=10)[0][1]
    # The worker placed the orders and died before acknowledging: another one gets the same entries.
    copies = [(entry_id, dict(fields)) for entry_id, fields in entries]
    for (user, _), (_, fields) in zip(buyers, copies, strict=True):
        ticket = fields[b"ticket"].decode()
        place_order(
            user,
            items=[(item.pk, 1)],
            address_id=int(fields[b"address"]),
            flash_sale_id=sale.pk,
            idempotency_key=admission.order_key(ticket),
        )
    assert tickets.settle(store, copies) == 3
    assert tickets.settle(store, copies) == 3
    assert Order.objects.count() == 3
    sale.refresh_from_db()
    item.refresh_from_db()
    assert (sale.sold, item.stock, _left(queued, sale)) == (3, 7, 0)
    for user, _ in buyers:
        assert Order.objects.filter(user=user).count() == 1


def test_reconcile_repairs_drift_and_is_quiet_when_in_step(queued):
    _, sale = _sale(quota=5, limit=2)
    user, address = _buyer()
    waiting, waiting_address = _buyer()
    admission.admit(user, sale.pk, address_id=address.pk)
    queued.settle()
    admission.admit(waiting, sale.pk, address_id=waiting_address.pk)  # queued, no order yet
    assert tickets.reconcile(sale_ids=[sale.pk]) == [
        {"sale": sale.pk, "left_drift": 0, "users_drift": 0, "released": 0}
    ]
    redis = queued.store.redis
    redis.hset(f"wxmall:flash:sale:{sale.pk}", "left", 5)  # drift: as if units were lost or doubled
    redis.hset(f"wxmall:flash:sale:{sale.pk}:users", str(user.pk), 0)
    redis.hset(f"wxmall:flash:sale:{sale.pk}:users", "424242", 1)
    report = tickets.reconcile(sale_ids=[sale.pk])
    assert report[0]["left_drift"] == -2 and report[0]["users_drift"] == 2
    assert _left(queued, sale) == 3  # 5 − 1 sold − 1 queued
    users = redis.hgetall(f"wxmall:flash:sale:{sale.pk}:users")
    assert users == {str(user.pk).encode(): b"1", str(waiting.pk).encode(): b"1"}
    queued.settle()
    sale.refresh_from_db()
    assert sale.sold == 2 and _left(queued, sale) == 3


def test_reconcile_releases_tickets_of_cancelled_orders_once(queued):
    _, sale = _sale(quota=1)
    user, address = _buyer()
    ticket = admission.admit(user, sale.pk, address_id=address.pk)
    queued.settle()
    order_actions.cancel_by_customer(user, admission.status(user, ticket.id).order_no)
    # Reconciliation runs before the outbox delivered the release: it frees the unit and marks the
    # ticket, so the late delivery finds nothing to give back.
    report = tickets.reconcile(sale_ids=[sale.pk])
    assert report[0]["released"] == 1 and _left(queued, sale) == 1
    relay.relay()
    assert _left(queued, sale) == 1


def test_redis_emptied_rearms_from_the_database(queued):
    _, sale = _sale(quota=3)
    user, address = _buyer()
    admission.admit(user, sale.pk, address_id=address.pk)
    queued.settle()
    queued.store.redis.flushall()  # a restart without AOF
    assert _code(lambda: admission.admit(user, sale.pk, address_id=address.pk)) == "flash_sale_user_limit"
    other, other_address = _buyer()
    admission.admit(other, sale.pk, address_id=other_address.pk)
    queued.settle()
    assert _left(queued, sale) == 1
    assert FlashSale.objects.get(pk=sale.pk).sold == 2


def test_queued_admission_reads_no_database_row_and_a_password_change_ends_the_session(queued, customer):
    """Queued admission authenticates from the session and a cached account hash (accounts.queries.
    session_customer_id): no query once warm. Saving the account (a new password) is seen at once."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    _, sale = _sale(quota=5, limit=5)
    address = make_address(customer)
    client = Client()
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    url = f"/api/checkout/flash-sales/{sale.pk}/tickets"

    def admit(key):
        body = {"address_id": address.pk, "idempotency_key": key}
        return client.post(url, json.dumps(body), content_type="application/json")

    assert admit("t-1").status_code == 202
    with CaptureQueriesContext(connection) as ctx:
        assert admit("t-2").status_code == 202
    # Only the session's own read where sessions live in the database (here; Redis in production).
    assert [q["sql"] for q in ctx.captured_queries if "django_session" not in q["sql"]] == []
    customer.password = make_password("a new one")
    customer.save(update_fields=["password"])
    assert admit("t-3").status_code == 401  # the old session's hash no longer matches
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    other = Client()
    other.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    assert (
        other.post(url, json.dumps({"address_id": address.pk}), content_type="application/json").status_code
        == 401
    )
    assert _left(queued, sale) == 5 - 2
