"""Points spent as a discount at checkout: priced on the server (rate and cap are settings), debited in the
order's transaction, shown on the order, given back on cancel and auto-cancel; tampered values refused
with nothing written; two checkouts racing for the same points on real threads."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from helpers.db import refused, refused_request
from helpers.threads import codes, run_parallel
from wxmall.accounts.models import Member, PointsEntry
from wxmall.accounts.testing import give_points, make_address, make_customer
from wxmall.catalog.testing import make_sku
from wxmall.checkout import actions, queries
from wxmall.checkout.testing import make_coupon
from wxmall.orders import actions as order_actions
from wxmall.orders.models import Order

pytestmark = pytest.mark.django_db

Kind = PointsEntry.Kind


@pytest.fixture(autouse=True)
def _rate(settings):
    settings.POINTS_VALUE_FEN = 1  # 100 points = ¥1
    settings.POINTS_MAX_DISCOUNT_PERCENT = 50


def balance(user):
    return Member.objects.get(user=user).points


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_cap_is_a_share_of_the_goods_after_the_coupon_and_the_balance(customer, settings):
    item = make_sku(price=10000)  # ¥100.00, over the free-shipping line or not: the cap ignores shipping
    give_points(customer, 1_000_000)
    assert queries.quote(customer, [(item.pk, 1)]).points_max == 5000  # 50 % of ¥100 in fen, 1 fen each
    settings.POINTS_VALUE_FEN = 3
    assert queries.quote(customer, [(item.pk, 1)]).points_max == 1666  # whole points, never over the cap
    settings.POINTS_VALUE_FEN = 1
    make_coupon(code="MINUS20", value=2000)
    assert queries.quote(customer, [(item.pk, 1)], "MINUS20").points_max == 4000  # 50 % of ¥80
    poor = make_customer()
    give_points(poor, 123)
    quote = queries.quote(poor, [(item.pk, 1)])
    assert (quote.points_balance, quote.points_max, quote.points) == (123, 123, 0)


def test_points_never_take_the_total_below_one_fen(customer, settings):
    settings.POINTS_MAX_DISCOUNT_PERCENT = 100
    settings.FREE_SHIPPING_THRESHOLD = 0
    item = make_sku(price=500)
    give_points(customer, 10_000)
    quote = queries.quote(customer, [(item.pk, 1)])
    assert quote.total - quote.points_max * settings.POINTS_VALUE_FEN >= 1
    assert queries.quote(customer, [(item.pk, 1)], points=quote.points_max).total >= 1


def test_placing_with_points_debits_them_and_shows_a_discount_line(customer, address, sku, api):
    give_points(customer, 20_000)
    quote = queries.quote(customer, [(sku.pk, 1)], points=15_000)
    assert (quote.points, quote.points_discount) == (15_000, 15_000)
    assert quote.total == sku.price + quote.shipping_fee - 15_000

    order = actions.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, points=15_000)
    order.refresh_from_db()
    assert (order.points_used, order.points_discount, order.total) == (15_000, 15_000, quote.total)
    assert balance(customer) == 5_000
    spend = PointsEntry.objects.get(order_no=order.order_no, kind=Kind.SPEND_ORDER)
    assert (spend.delta, spend.balance_after) == (-15_000, 5_000)

    detail = api.get(f"/api/orders/{order.order_no}").json()
    assert (detail["points_used"], detail["points_discount"], detail["total"]) == (
        15_000,
        15_000,
        order.total,
    )
    page = api.get(f"/orders/{order.order_no}/").content.decode()
    assert "积分抵扣（15000 积分）" in page and "-¥150.00" in page


def test_more_points_than_the_balance_or_the_cap_are_refused_and_nothing_is_written(customer, address, sku):
    give_points(customer, 100)
    place = actions.place_order
    refused("points_insufficient", place, customer, items=[(sku.pk, 1)], address_id=address.pk, points=101)
    give_points(customer, 10_000_000)
    cap = queries.quote(customer, [(sku.pk, 1)]).points_max
    refused(
        "checkout_points_over_limit",
        place,
        customer,
        items=[(sku.pk, 1)],
        address_id=address.pk,
        points=cap + 1,
    )
    refused("points_invalid_amount", place, customer, items=[(sku.pk, 1)], address_id=address.pk, points=-5)
    assert place(customer, items=[(sku.pk, 1)], address_id=address.pk, points=cap).points_used == cap


def test_api_prices_points_and_refuses_tampered_values(api, customer, address, sku):
    give_points(customer, 30_000)
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}]}
    quote = post(api, "/api/checkout/quote", body).json()
    assert (quote["points_balance"], quote["points_max"], quote["points"]) == (30_000, 30_000, 0)
    quote = post(api, "/api/checkout/quote", body | {"points": 25_000}).json()
    assert quote["points_discount"] == 25_000 and quote["total"] == sku.price + quote["shipping_fee"] - 25_000

    order_body = body | {"address_id": address.pk}
    for bad in (-1, 10**12, "100", 1.5, True, None, [100]):
        refused_request(api, "/api/checkout/orders", order_body | {"points": bad}, 400, "invalid_request")
    refused_request(api, "/api/checkout/orders", order_body | {"points": 30_001}, 409, "points_insufficient")
    # A client cannot set the discount itself: price-like fields are refused, not ignored.
    refused_request(
        api, "/api/checkout/orders", order_body | {"points_discount": 99_999}, 400, "price_not_accepted"
    )
    placed = post(api, "/api/checkout/orders", order_body | {"points": 25_000})
    assert placed.status_code == 201, placed.content
    assert placed.json()["points_discount"] == 25_000 and balance(customer) == 5_000
    error = post(api, "/api/checkout/orders", order_body | {"points": 25_000}).json()
    assert error == {"code": "points_insufficient", "message": "积分不足"}


def test_the_checkout_api_schema_describes_points(client):
    spec = client.get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]
    points_in = schemas["PlaceOrderIn"]["properties"]["points"]
    assert (
        points_in["type"] == "integer" and points_in["minimum"] == 0 and points_in["maximum"] == 100_000_000
    )
    assert {"points", "points_discount", "points_balance", "points_max"} <= set(
        schemas["QuoteOut"]["properties"]
    )
    assert {"points_used", "points_discount"} <= set(schemas["OrderDetailOut"]["properties"])


def test_cancel_and_auto_cancel_give_the_points_back_once(customer, address, sku):
    give_points(customer, 10_000)
    first = actions.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, points=4_000)
    second = actions.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, points=6_000)
    assert balance(customer) == 0

    order_actions.cancel_by_customer(customer, first.order_no, "不要了")
    assert balance(customer) == 4_000
    assert order_actions.cancel_expired(second.pk, now=timezone.now() + timedelta(days=1))
    assert balance(customer) == 10_000
    assert not order_actions.cancel_expired(second.pk, now=timezone.now() + timedelta(days=1))  # replayed
    restores = PointsEntry.objects.filter(kind=Kind.RESTORE_ORDER).order_by("id")
    assert [(e.order_no, e.delta) for e in restores] == [(first.order_no, 4_000), (second.order_no, 6_000)]
    assert balance(customer) == 10_000


@pytest.mark.django_db(transaction=True)
def test_two_checkouts_racing_for_the_same_points_one_fails_cleanly():
    buyer = make_customer()
    address = make_address(buyer)
    item = make_sku(price=100000, stock=10)
    give_points(buyer, 30_000)
    place = [
        lambda: actions.place_order(buyer, items=[(item.pk, 1)], address_id=address.pk, points=30_000)
        for _ in range(4)
    ]
    results = run_parallel(place)
    assert codes(results) == ["Order"] + ["points_insufficient"] * 3
    assert balance(buyer) == 0
    assert Order.objects.count() == 1 and Order.objects.get().points_used == 30_000
    assert PointsEntry.objects.filter(kind=Kind.SPEND_ORDER).count() == 1
    item.refresh_from_db()
    assert item.stock == 9  # the refused placements took no stock


def test_the_debit_itself_is_guarded_whatever_the_pricing_read(customer):
    """The UPDATE is `points >= n`: a balance that dropped after pricing read it (a staff deduction does
    not take the customer's lock) refuses the debit, and it writes no entry."""
    from wxmall.accounts import points

    give_points(customer, 300)
    refused("points_insufficient", points.spend_for_order, customer, 301, order_no="WX-NOT-PLACED")
    points.spend_for_order(customer, 300, order_no="WX-PLACED")
    assert balance(customer) == 0
    refused("points_insufficient", points.spend_for_order, customer, 1, order_no="WX-PLACED-2")
