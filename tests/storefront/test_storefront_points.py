"""The checkout page's points choice (in Chinese): the toggle uses the most this order allows, a typed
number is priced on the server, and a tampered value is refused with the reason and writes nothing."""

import re

import pytest

from helpers.db import assert_unchanged, snapshot
from wxmall.accounts.models import Member
from wxmall.accounts.testing import give_points
from wxmall.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rate(settings):
    settings.POINTS_VALUE_FEN = 1
    settings.POINTS_MAX_DISCOUNT_PERCENT = 50


def key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def test_toggle_then_place_with_points(customer_client, customer, shop, address):
    give_points(customer, 20_000)
    base = f"/checkout/?sku={shop['sku'].pk}&qty=1"
    page = customer_client.get(base).content.decode()
    assert "可用积分 20000，本单最多可用 20000 积分（100 积分抵 ¥1.00）" in page
    assert f'href="?sku={shop["sku"].pk}&amp;qty=1&amp;points=20000"' in page  # the 使用积分 switch
    page = customer_client.get(base + "&points=12345").content.decode()
    assert "积分抵扣（12345 积分）" in page and "-¥123.45" in page and "¥8,875.55" in page
    assert 'name="points" value="12345"' in page
    response = customer_client.post(
        "/checkout/",
        {
            "sku": shop["sku"].pk,
            "qty": 1,
            "address": address.pk,
            "points": 12345,
            "idempotency_key": key(page),
        },
    )
    assert response.status_code == 302
    order = Order.objects.get(user=customer)
    assert (order.points_used, order.points_discount, order.total) == (12345, 12345, 899900 - 12345)
    assert Member.objects.get(user=customer).points == 20_000 - 12345


def test_points_beyond_the_balance_show_the_reason_and_the_quote_without_them(
    customer_client, customer, shop
):
    give_points(customer, 100)
    page = customer_client.get(f"/checkout/?sku={shop['sku'].pk}&qty=1&points=5000").content.decode()
    assert "积分不足" in page and "积分抵扣（" not in page and "¥8,999.00" in page


@pytest.mark.parametrize("bad", ["-1", "abc", "1e9", "99999999999999999999999", "100000000000"])
def test_tampered_points_are_refused_and_nothing_is_written(customer_client, customer, shop, address, bad):
    give_points(customer, 100)
    before = snapshot()
    response = customer_client.post(
        "/checkout/",
        {"sku": shop["sku"].pk, "qty": 1, "address": address.pk, "points": bad, "idempotency_key": "ptskey"},
    )
    assert response.status_code in (400, 409)
    page = response.content.decode()
    assert ("积分数量不正确" in page or "积分不足" in page) and f'value="{bad}"' not in page
    assert_unchanged(before)
