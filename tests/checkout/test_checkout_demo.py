"""Demo promotions: created once, usable at once, and a second run duplicates and resets nothing."""

import pytest
from django.utils import timezone

from wxmall.catalog.testing import make_sku
from wxmall.checkout import actions, demo, queries
from wxmall.checkout.models import Coupon, FlashSale

pytestmark = pytest.mark.django_db


def test_load_is_idempotent_and_keeps_counters(customer, address):
    make_sku(price=599900, stock=40)
    make_sku(price=29900, stock=80)
    first = demo.load()
    assert "4 张优惠券（新建 4 张）" in first
    assert Coupon.objects.count() == 4 and FlashSale.objects.count() == 2
    sales = queries.active_flash_sales()
    assert len(sales) == 2 and all(s.price < s.sku.price for s in sales)
    order = actions.place_order(
        customer, items=[(sales[0].sku_id, 1)], address_id=address.pk, flash_sale_id=sales[0].pk
    )
    assert order.total >= sales[0].price

    FlashSale.objects.filter(pk=sales[1].pk).update(
        ends_at=timezone.now() - timezone.timedelta(minutes=1),
        starts_at=timezone.now() - timezone.timedelta(days=1),
    )
    second = demo.load()
    assert "新建 0 张" in second
    assert Coupon.objects.count() == 4 and FlashSale.objects.count() == 2
    assert FlashSale.objects.get(pk=sales[0].pk).sold == 1  # not reset
    assert len(queries.active_flash_sales()) == 2  # the expired one got a fresh window


def test_load_with_empty_catalogue_creates_coupons_only(db):
    assert "无可用商品" in demo.load()
    assert Coupon.objects.count() == 4 and FlashSale.objects.count() == 0


def test_demo_coupons_show_up_for_a_customer(customer):
    demo.load()
    offers = queries.available_coupons(customer, subtotal=120000)
    assert {o.coupon.code for o in offers if o.applicable} == {"NEW20", "SAVE100", "PC95"}
