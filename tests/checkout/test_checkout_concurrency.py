"""Races on a real database with real threads (SQLite file DB and PostgreSQL in CI): quotas, stock and
per-customer limits hold, and a payment racing the auto-cancel wins or loses cleanly."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpers.threads import codes, run_parallel
from wxmall.accounts.testing import make_address, make_customer
from wxmall.catalog.testing import make_sku
from wxmall.checkout import actions
from wxmall.checkout.models import CouponRedemption, FlashSalePurchase
from wxmall.checkout.testing import make_coupon, make_flash_sale
from wxmall.core.errors import DomainError
from wxmall.orders import actions as order_actions
from wxmall.orders.models import Order, OrderEvent

pytestmark = pytest.mark.django_db(transaction=True)


def buyers(n):
    people = [make_customer() for _ in range(n)]
    return [(p, make_address(p)) for p in people]


def test_flash_sale_never_oversells_quota_or_stock():
    item = make_sku(stock=8, price=599900)
    sale = make_flash_sale(item, price=399900, quota=5, per_user_limit=1)
    calls = [
        lambda u=u, a=a: actions.place_order(u, items=[(item.pk, 1)], address_id=a.pk, flash_sale_id=sale.pk)
        for u, a in buyers(12)
    ]
    results = run_parallel(calls)
    assert codes(results) == ["Order"] * 5 + ["flash_sale_sold_out"] * 7
    sale.refresh_from_db()
    item.refresh_from_db()
    assert (sale.sold, item.stock, Order.objects.count(), FlashSalePurchase.objects.count()) == (5, 3, 5, 5)


def test_stock_never_goes_negative():
    item = make_sku(stock=4)
    results = run_parallel(
        [
            lambda u=u, a=a: actions.place_order(u, items=[(item.pk, 1)], address_id=a.pk)
            for u, a in buyers(10)
        ]
    )
    assert codes(results) == ["Order"] * 4 + ["out_of_stock"] * 6
    item.refresh_from_db()
    assert item.stock == 0 and Order.objects.count() == 4


def test_flash_sale_per_user_limit_holds_against_parallel_requests_of_one_customer():
    item = make_sku(stock=50)
    sale = make_flash_sale(item, quota=40, per_user_limit=2)
    ((user, address),) = buyers(1)
    results = run_parallel(
        [
            lambda: actions.place_order(
                user, items=[(item.pk, 1)], address_id=address.pk, flash_sale_id=sale.pk
            )
        ]
        * 6
    )
    assert codes(results) == ["Order"] * 2 + ["flash_sale_user_limit"] * 4
    sale.refresh_from_db()
    assert sale.sold == 2


def test_coupon_total_quota_holds():
    item = make_sku(stock=100)
    coupon = make_coupon(code="RACE3", value=500, total_quota=3, per_user_limit=1)
    results = run_parallel(
        [
            lambda u=u, a=a: actions.place_order(
                u, items=[(item.pk, 1)], address_id=a.pk, coupon_code="RACE3"
            )
            for u, a in buyers(10)
        ]
    )
    assert codes(results) == ["Order"] * 3 + ["coupon_exhausted"] * 7
    coupon.refresh_from_db()
    assert coupon.used_count == 3 == CouponRedemption.objects.count()


def test_coupon_per_user_limit_holds_against_parallel_requests_of_one_customer():
    item = make_sku(stock=100)
    make_coupon(code="ONE", value=500, per_user_limit=1)
    ((user, address),) = buyers(1)
    results = run_parallel(
        [lambda: actions.place_order(user, items=[(item.pk, 1)], address_id=address.pk, coupon_code="ONE")]
        * 5
    )
    assert codes(results) == ["Order"] + ["coupon_user_limit"] * 4


def test_double_submit_with_one_idempotency_key_places_one_order():
    item = make_sku(stock=10)
    ((user, address),) = buyers(1)
    results = run_parallel(
        [
            lambda: actions.place_order(
                user, items=[(item.pk, 1)], address_id=address.pk, idempotency_key="double-click"
            )
        ]
        * 4
    )
    assert len({r.pk for r in results}) == 1 and Order.objects.count() == 1
    item.refresh_from_db()
    assert item.stock == 9


def test_payment_racing_the_auto_cancel_wins_or_loses_cleanly():
    item = make_sku(stock=20)
    ((user, address),) = buyers(1)
    orders = [actions.place_order(user, items=[(item.pk, 1)], address_id=address.pk) for _ in range(8)]
    Order.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    calls = []
    for order in orders:
        calls.append(lambda o=order: order_actions.cancel_expired(o.pk))
        calls.append(lambda o=order: order_actions.mark_paid(o.order_no, f"T{o.pk}", timezone.now(), o.total))
    results = run_parallel(calls)
    for i, order in enumerate(orders):
        cancelled, paid = results[2 * i], results[2 * i + 1]
        order.refresh_from_db()
        if order.status == "paid":
            assert cancelled is False and isinstance(paid, Order)
        else:
            assert order.status == "cancelled" and cancelled is True
            assert isinstance(paid, DomainError) and paid.code == "illegal_transition"
        # Exactly one change after placement, never both.
        assert OrderEvent.objects.filter(order=order).count() == 2
    cancelled_count = Order.objects.filter(status="cancelled").count()
    item.refresh_from_db()
    assert item.stock == 20 - 8 + cancelled_count
