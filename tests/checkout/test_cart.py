"""Cart actions and the cart read model."""

import pytest

from helpers.db import refused
from wxmall.catalog.testing import make_sku
from wxmall.checkout import actions, queries
from wxmall.checkout.models import CartLine

pytestmark = pytest.mark.django_db


def test_add_accumulates_and_set_replaces(customer, sku):
    actions.add_to_cart(customer, sku.pk, 1)
    line = actions.add_to_cart(customer, sku.pk, 2)
    assert line.quantity == 3 and CartLine.objects.count() == 1
    assert actions.set_cart_quantity(customer, sku.pk, 5).quantity == 5
    assert CartLine.objects.get().quantity == 5


def test_set_quantity_creates_a_missing_line(customer, sku):
    assert actions.set_cart_quantity(customer, sku.pk, 2).quantity == 2


@pytest.mark.parametrize("quantity", [0, -3, 100, 10**9, True, "1"])
def test_bad_quantities(customer, sku, quantity):
    refused("invalid_quantity", actions.add_to_cart, customer, sku.pk, quantity)
    refused("invalid_quantity", actions.set_cart_quantity, customer, sku.pk, quantity)


def test_accumulated_quantity_over_the_limit(customer, settings):
    settings.CART_MAX_QUANTITY = 5
    plenty = make_sku(stock=100)
    actions.add_to_cart(customer, plenty.pk, 4)
    refused("invalid_quantity", actions.add_to_cart, customer, plenty.pk, 2)


def test_unknown_unlisted_inactive_and_out_of_stock(customer, sku):
    refused("sku_not_found", actions.add_to_cart, customer, sku.pk + 1000, 1)
    refused("sku_not_found", actions.add_to_cart, customer, "1; DROP TABLE", 1)
    refused("sku_unavailable", actions.add_to_cart, customer, make_sku(is_listed=False).pk, 1)
    refused("sku_unavailable", actions.add_to_cart, customer, make_sku(is_active=False).pk, 1)
    refused("out_of_stock", actions.add_to_cart, customer, make_sku(stock=0).pk, 1)
    refused("out_of_stock", actions.add_to_cart, customer, sku.pk, 11)


def test_cart_line_limit(customer, settings):
    settings.CHECKOUT_MAX_CART_LINES = 2
    a, b, c = make_sku(), make_sku(), make_sku()
    actions.add_to_cart(customer, a.pk, 1)
    actions.add_to_cart(customer, b.pk, 1)
    refused("cart_full", actions.add_to_cart, customer, c.pk, 1)
    actions.add_to_cart(customer, a.pk, 1)  # an existing line may still grow


def test_remove_and_clear_are_harmless_to_repeat(customer, other_customer, sku, cheap_sku):
    actions.add_to_cart(customer, sku.pk, 1)
    actions.add_to_cart(customer, cheap_sku.pk, 1)
    actions.add_to_cart(other_customer, sku.pk, 1)
    assert actions.remove_from_cart(customer, sku.pk) is True
    assert actions.remove_from_cart(customer, sku.pk) is False
    assert actions.clear_cart(customer) == 1
    assert actions.clear_cart(customer) == 0
    assert CartLine.objects.filter(user=other_customer).count() == 1


def test_cart_for_shows_live_prices_and_problems_in_one_query(
    customer, sku, cheap_sku, django_assert_num_queries
):
    scarce = make_sku(stock=3, title="限量机械键盘")
    actions.add_to_cart(customer, sku.pk, 1)
    actions.add_to_cart(customer, cheap_sku.pk, 2)
    actions.add_to_cart(customer, scarce.pk, 3)
    type(sku).objects.filter(pk=sku.pk).update(price=119900)  # price drop after adding
    type(scarce).objects.filter(pk=scarce.pk).update(stock=1)
    with django_assert_num_queries(1):
        cart = queries.cart_for(customer)
        lines = {line.sku_id: line for line in cart.lines}
    assert lines[sku.pk].unit_price == 119900 and lines[sku.pk].available
    assert lines[scarce.pk].problem == "库存不足，仅剩 1 件" and not lines[scarce.pk].available
    assert cart.subtotal == 119900 + 2 * 1990 and cart.count == 6 and cart.has_problems
    assert sorted(cart.items) == sorted([(sku.pk, 1), (cheap_sku.pk, 2)])
    type(sku).objects.filter(pk=sku.pk).update(is_active=False)
    assert {line.sku_id: line.problem for line in queries.cart_for(customer).lines}[sku.pk] == "商品已下架"
