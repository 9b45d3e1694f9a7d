"""Quote and placement go through one validation and pricing path (`queries.price`): for every flash
sale and coupon case, placement refuses with exactly the reason the quote gives, or charges exactly
what the quote showed."""

from datetime import timedelta

import pytest

from helpers.db import snapshot
from wxmall.checkout import actions, queries
from wxmall.checkout.testing import make_coupon, make_flash_sale
from wxmall.core.errors import DomainError

pytestmark = pytest.mark.django_db

COUPON_CASES = {  # coupon fields (None: no such code) -> the refusal, or None when it applies
    "applies": (dict(value=3000), None),
    "unknown": (None, "coupon_not_found"),
    "inactive": (dict(is_active=False), "coupon_inactive"),
    "not_started": (dict(starts_in=timedelta(hours=1)), "coupon_not_started"),
    "expired": (dict(starts_in=-timedelta(days=2), lasts=timedelta(days=1)), "coupon_expired"),
    "threshold": (dict(threshold=10_000_000), "coupon_threshold_not_met"),
    "exhausted": (dict(total_quota=1, used_count=1), "coupon_exhausted"),
}


@pytest.mark.parametrize("case", COUPON_CASES)
def test_placement_refuses_a_coupon_for_the_reason_the_quote_gives(case, customer, address, sku):
    fields, refusal = COUPON_CASES[case]
    code = make_coupon(**fields).code if fields is not None else "NOSUCHCODE"
    quote = queries.quote(customer, [(sku.pk, 1)], coupon_code=code)
    place = dict(items=[(sku.pk, 1)], address_id=address.pk, coupon_code=code)
    if refusal is None:
        assert quote.coupon_problem is None and quote.discount == 3000
        order = actions.place_order(customer, **place)
        assert (order.total, order.discount) == (quote.total, quote.discount)
        return
    assert quote.coupon_problem is not None and quote.coupon_problem.code == refusal
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        actions.place_order(customer, **place)
    assert exc.value.error is quote.coupon_problem
    assert snapshot() == before


def test_a_coupon_with_a_flash_sale_is_refused_by_both_alike(customer, address, sku):
    sale = make_flash_sale(sku)
    code = make_coupon().code
    quote = queries.quote(customer, [(sku.pk, 1)], coupon_code=code, flash_sale_id=sale.pk)
    assert quote.coupon_problem is not None and quote.coupon is None
    with pytest.raises(DomainError) as exc:
        actions.place_order(
            customer, items=[(sku.pk, 1)], address_id=address.pk, coupon_code=code, flash_sale_id=sale.pk
        )
    assert exc.value.error is quote.coupon_problem


FLASH_CASES = {
    "not_active": (dict(starts_in=timedelta(hours=1)), 1),
    "user_limit": (dict(per_user_limit=1), 2),
    "sold_out": (dict(quota=3, sold=3, per_user_limit=5), 1),
}


@pytest.mark.parametrize("case", FLASH_CASES)
def test_a_flash_sale_problem_refuses_quote_and_placement_with_one_code(case, customer, address, sku):
    fields, quantity = FLASH_CASES[case]
    sale = make_flash_sale(sku, **fields)
    with pytest.raises(DomainError) as quoted:
        queries.quote(customer, [(sku.pk, quantity)], flash_sale_id=sale.pk)
    before = snapshot()
    with pytest.raises(DomainError) as placed:
        actions.place_order(
            customer, items=[(sku.pk, quantity)], address_id=address.pk, flash_sale_id=sale.pk
        )
    assert placed.value.code == quoted.value.code == f"flash_sale_{case}"
    assert snapshot() == before


def test_a_flash_sale_order_is_charged_what_the_quote_showed(customer, address, sku):
    sale = make_flash_sale(sku, price=4990)
    quote = queries.quote(customer, [(sku.pk, 1)], flash_sale_id=sale.pk)
    order = actions.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, flash_sale_id=sale.pk)
    assert (order.subtotal, order.shipping_fee, order.total) == (
        quote.subtotal,
        quote.shipping_fee,
        quote.total,
    )
    assert order.subtotal == 4990
