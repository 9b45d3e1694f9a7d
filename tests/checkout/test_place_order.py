"""Order placement: server-side pricing, stock, coupons, flash sales, idempotency — and that every
refusal writes nothing at all."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.utils import IntegrityError

from helpers.db import refused, unchanged
from wxmall.accounts import actions as accounts
from wxmall.accounts.models import Address
from wxmall.accounts.testing import make_address
from wxmall.catalog.models import SKU
from wxmall.catalog.testing import make_sku
from wxmall.checkout import actions, queries
from wxmall.checkout.actions import placement
from wxmall.checkout.models import CartLine, CouponKind, CouponRedemption, FlashSalePurchase
from wxmall.checkout.testing import make_coupon, make_flash_sale
from wxmall.core.errors import DomainError
from wxmall.orders.models import Order, OrderEvent
from wxmall.orders.numbers import looks_like_order_no

pytestmark = pytest.mark.django_db


def test_places_order_at_server_prices_and_takes_stock(customer, address, sku, cheap_sku):
    order = actions.place_order(
        customer, items=[(sku.pk, 2), (cheap_sku.pk, 1)], address_id=address.pk, note="  工作日送货  "
    )
    assert (
        looks_like_order_no(order.order_no) and order.order_no.startswith("WX") and len(order.order_no) == 22
    )
    assert order.status == "pending_payment"
    assert (order.subtotal, order.discount, order.shipping_fee) == (2 * 129900 + 1990, 0, 0)
    assert order.total == order.subtotal
    assert order.note == "工作日送货"
    assert [(line.sku_id, line.unit_price, line.quantity, line.line_total) for line in order.lines.all()] == [
        (sku.pk, 129900, 2, 259800),
        (cheap_sku.pk, 1990, 1, 1990),
    ]
    line = order.lines.get(sku=sku)
    assert line.product_title == "轻薄笔记本 Air 14" and line.spec_label == "16GB / 512GB"
    sku.refresh_from_db()
    cheap_sku.refresh_from_db()
    assert (sku.stock, cheap_sku.stock) == (8, 49)
    event = OrderEvent.objects.get(order=order)
    assert (event.from_status, event.to_status, event.actor_id, event.actor_kind) == (
        "",
        "pending_payment",
        customer.pk,
        "customer",
    )
    assert timedelta(minutes=29) < order.expires_at - order.created_at <= timedelta(minutes=30, seconds=1)


def test_address_is_a_snapshot_encrypted_at_rest(customer, address, sku):
    order = actions.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    accounts.update_address(
        customer,
        address.pk,
        recipient="李四",
        phone="13900000000",
        province="北京市",
        city="北京市",
        district="海淀区",
        detail="中关村大街 1 号",
    )
    order.refresh_from_db()
    assert (order.ship_recipient, order.ship_phone, order.ship_city) == ("张三", "13812345678", "深圳市")
    with connection.cursor() as cursor:
        cursor.execute("SELECT ship_phone, ship_detail FROM orders_order WHERE id = %s", [order.pk])
        raw_phone, raw_detail = cursor.fetchone()
    assert "13812345678" not in raw_phone and "科技园" not in raw_detail


def test_shipping_fee_below_free_shipping_threshold(customer, address, cheap_sku):
    order = actions.place_order(customer, items=[(cheap_sku.pk, 2)], address_id=address.pk)
    assert (order.subtotal, order.shipping_fee, order.total) == (3980, 1000, 4980)


def test_repeated_sku_lines_are_merged(customer, address, cheap_sku):
    order = actions.place_order(customer, items=[(cheap_sku.pk, 2), (cheap_sku.pk, 3)], address_id=address.pk)
    assert list(order.lines.values_list("quantity", flat=True)) == [5]


def test_amount_off_coupon(customer, address, sku):
    coupon = make_coupon(code="save200", value=20000, threshold=100000)
    order = actions.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, coupon_code=" SAVE200 ")
    assert (order.subtotal, order.discount, order.total, order.coupon_id) == (
        129900,
        20000,
        109900,
        coupon.pk,
    )
    coupon.refresh_from_db()
    assert coupon.used_count == 1
    assert CouponRedemption.objects.get(order=order).discount == 20000


def test_percent_off_coupon_rounds_half_up_and_shipping_follows_discounted_amount(customer, address):
    item = make_sku(price=10150, stock=5)
    make_coupon(code="PCT10", kind=CouponKind.PERCENT_OFF, value=10)
    order = actions.place_order(customer, items=[(item.pk, 1)], address_id=address.pk, coupon_code="pct10")
    # 10% of 101.50 = 10.15; 101.50 - 10.15 = 91.35 < 99 so shipping is charged.
    assert (order.discount, order.shipping_fee, order.total) == (1015, 1000, 10150 - 1015 + 1000)


def test_coupon_never_brings_goods_below_one_fen(customer, address, cheap_sku):
    make_coupon(code="HUGE", value=999999)
    order = actions.place_order(
        customer, items=[(cheap_sku.pk, 1)], address_id=address.pk, coupon_code="HUGE"
    )
    assert (order.discount, order.total) == (1989, 1 + 1000)


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**12, True, "2", 1.5, None])
def test_bad_quantities_are_refused(customer, address, sku, quantity):
    refused(
        "invalid_quantity", actions.place_order, customer, items=[(sku.pk, quantity)], address_id=address.pk
    )


def test_merged_quantity_over_the_limit_is_refused(customer, address, cheap_sku):
    refused(
        "invalid_quantity",
        actions.place_order,
        customer,
        items=[(cheap_sku.pk, 60), (cheap_sku.pk, 40)],
        address_id=address.pk,
    )


def test_unknown_unlisted_and_inactive_skus_are_refused(customer, address, sku):
    refused("empty_order", actions.place_order, customer, items=[], address_id=address.pk)
    refused("sku_not_found", actions.place_order, customer, items=[(sku.pk + 999, 1)], address_id=address.pk)
    unlisted = make_sku(is_listed=False)
    refused("sku_unavailable", actions.place_order, customer, items=[(unlisted.pk, 1)], address_id=address.pk)
    inactive = make_sku(is_active=False)
    refused(
        "sku_unavailable",
        actions.place_order,
        customer,
        items=[(sku.pk, 1), (inactive.pk, 1)],
        address_id=address.pk,
    )


def test_out_of_stock_on_any_line_rolls_back_the_others(customer, address, sku):
    scarce = make_sku(stock=1)
    # sku (lower id) is taken first, then scarce fails: the first take must be rolled back.
    refused(
        "out_of_stock",
        actions.place_order,
        customer,
        items=[(sku.pk, 3), (scarce.pk, 2)],
        address_id=address.pk,
    )


def test_another_customers_address_is_not_found(customer, other_customer, sku):
    theirs = make_address(other_customer)
    refused("address_not_found", actions.place_order, customer, items=[(sku.pk, 1)], address_id=theirs.pk)


@pytest.mark.parametrize(
    "coupon_kwargs, subtotal_sku_price, code",
    [
        ({"starts_in": -timedelta(days=10), "lasts": timedelta(days=1)}, 10000, "coupon_expired"),
        ({"starts_in": timedelta(days=1)}, 10000, "coupon_not_started"),
        ({"is_active": False}, 10000, "coupon_inactive"),
        ({"total_quota": 3, "used_count": 3}, 10000, "coupon_exhausted"),
        ({"threshold": 20000}, 10000, "coupon_threshold_not_met"),
    ],
)
def test_unusable_coupons_are_refused(customer, address, coupon_kwargs, subtotal_sku_price, code):
    item = make_sku(price=subtotal_sku_price)
    make_coupon(code="BAD", **coupon_kwargs)
    refused(
        code, actions.place_order, customer, items=[(item.pk, 1)], address_id=address.pk, coupon_code="BAD"
    )


def test_unknown_coupon_is_refused(customer, address, sku):
    refused(
        "coupon_not_found",
        actions.place_order,
        customer,
        items=[(sku.pk, 1)],
        address_id=address.pk,
        coupon_code="NOPE",
    )


def test_coupon_per_user_limit(customer, address, cheap_sku):
    make_coupon(code="ONCE", value=100, per_user_limit=1)
    actions.place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk, coupon_code="ONCE")
    refused(
        "coupon_user_limit",
        actions.place_order,
        customer,
        items=[(cheap_sku.pk, 1)],
        address_id=address.pk,
        coupon_code="ONCE",
    )


def test_flash_sale_price_quota_and_purchase_record(customer, address, sku):
    sale = make_flash_sale(sku, price=99900, quota=5, per_user_limit=2)
    order = actions.place_order(customer, items=[(sku.pk, 2)], address_id=address.pk, flash_sale_id=sale.pk)
    assert (order.subtotal, order.total) == (199800, 199800)
    assert order.lines.get().flash_sale_id == sale.pk
    sale.refresh_from_db()
    assert sale.sold == 2
    assert FlashSalePurchase.objects.get(order=order).quantity == 2


def test_flash_sale_refusals(customer, address, sku, cheap_sku):
    sale = make_flash_sale(sku, quota=2, per_user_limit=1)
    refused(
        "flash_sale_user_limit",
        actions.place_order,
        customer,
        items=[(sku.pk, 2)],
        address_id=address.pk,
        flash_sale_id=sale.pk,
    )
    refused(
        "flash_sale_item_mismatch",
        actions.place_order,
        customer,
        items=[(cheap_sku.pk, 1)],
        address_id=address.pk,
        flash_sale_id=sale.pk,
    )
    refused(
        "flash_sale_not_found",
        actions.place_order,
        customer,
        items=[(sku.pk, 1)],
        address_id=address.pk,
        flash_sale_id=sale.pk + 100,
    )
    make_coupon(code="NOFLASH", value=100)
    refused(
        "coupon_not_with_flash_sale",
        actions.place_order,
        customer,
        items=[(sku.pk, 1)],
        address_id=address.pk,
        flash_sale_id=sale.pk,
        coupon_code="NOFLASH",
    )
    actions.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, flash_sale_id=sale.pk)
    refused(
        "flash_sale_user_limit",
        actions.place_order,
        customer,
        items=[(sku.pk, 1)],
        address_id=address.pk,
        flash_sale_id=sale.pk,
    )


def test_flash_sale_sold_out_and_not_active(customer, other_customer, address, sku):
    sale = make_flash_sale(sku, quota=1)
    actions.place_order(
        other_customer, items=[(sku.pk, 1)], address_id=make_address(other_customer).pk, flash_sale_id=sale.pk
    )
    refused(
        "flash_sale_sold_out",
        actions.place_order,
        customer,
        items=[(sku.pk, 1)],
        address_id=address.pk,
        flash_sale_id=sale.pk,
    )
    later = make_flash_sale(sku, starts_in=timedelta(hours=1))
    refused(
        "flash_sale_not_active",
        actions.place_order,
        customer,
        items=[(sku.pk, 1)],
        address_id=address.pk,
        flash_sale_id=later.pk,
    )


def test_note_and_idempotency_key_are_validated(customer, address, sku):
    refused(
        "note_too_long",
        actions.place_order,
        customer,
        items=[(sku.pk, 1)],
        address_id=address.pk,
        note="长" * 201,
    )
    refused(
        "invalid_idempotency_key",
        actions.place_order,
        customer,
        items=[(sku.pk, 1)],
        address_id=address.pk,
        idempotency_key="bad key with spaces",
    )


def test_idempotency_key_returns_the_same_order(customer, other_customer, address, sku):
    first = actions.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk, idempotency_key="chk-1")
    again = actions.place_order(customer, items=[(sku.pk, 5)], address_id=address.pk, idempotency_key="chk-1")
    assert again.pk == first.pk
    sku.refresh_from_db()
    assert sku.stock == 9 and Order.objects.count() == 1
    # Keys are per customer: another customer's identical key is a different order.
    theirs = actions.place_order(
        other_customer,
        items=[(sku.pk, 1)],
        address_id=make_address(other_customer).pk,
        idempotency_key="chk-1",
    )
    assert theirs.pk != first.pk


def test_a_repeated_submission_gets_its_order_even_when_it_could_not_be_placed_again(customer, address):
    last = make_sku(stock=1, price=129900)
    first = actions.place_order(customer, items=[(last.pk, 1)], address_id=address.pk, idempotency_key="r-1")
    assert not first.replayed
    again = actions.place_order(customer, items=[(last.pk, 1)], address_id=address.pk, idempotency_key="r-1")
    assert again.replayed and again.pk == first.pk  # not out_of_stock: the first order took the unit
    other = make_address(customer)
    Address.objects.filter(pk=address.pk).delete()  # the address is gone: still the same answer
    again = actions.place_order(customer, items=[(last.pk, 1)], address_id=address.pk, idempotency_key="r-1")
    assert again.pk == first.pk
    with pytest.raises(DomainError) as error:  # a new key is a new order, refused as any would be
        actions.place_order(customer, items=[(last.pk, 1)], address_id=other.pk, idempotency_key="r-2")
    assert error.value.code == "out_of_stock"
    last.refresh_from_db()
    assert last.stock == 0 and Order.objects.count() == 1


def test_from_cart_places_the_cart_and_empties_it(customer, address, sku, cheap_sku):
    actions.add_to_cart(customer, sku.pk, 1)
    actions.add_to_cart(customer, cheap_sku.pk, 3)
    order = actions.place_order(customer, from_cart=True, address_id=address.pk)
    assert sorted(order.lines.values_list("sku_id", "quantity")) == sorted([(sku.pk, 1), (cheap_sku.pk, 3)])
    assert not CartLine.objects.filter(user=customer).exists()


def test_from_cart_with_empty_cart_or_with_items_is_refused(customer, address, sku):
    refused("empty_order", actions.place_order, customer, from_cart=True, address_id=address.pk)
    refused(
        "invalid_request",
        actions.place_order,
        customer,
        from_cart=True,
        items=[(sku.pk, 1)],
        address_id=address.pk,
    )


def test_order_number_collision_is_retried(customer, address, cheap_sku, monkeypatch):
    first = actions.place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk)
    numbers = iter([first.order_no, first.order_no, "WX20991231235959000001"])
    monkeypatch.setattr(placement, "new_order_no", lambda: next(numbers))
    second = actions.place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk)
    assert second.order_no == "WX20991231235959000001"


def test_order_number_collisions_give_up_after_five_tries(customer, address, cheap_sku, monkeypatch):
    first = actions.place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk)
    monkeypatch.setattr(placement, "new_order_no", lambda: first.order_no)
    with unchanged(), pytest.raises(IntegrityError):
        actions.place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk)


def test_quote_prices_exactly_like_the_order(customer, address, sku, cheap_sku):
    make_coupon(code="Q100", value=10000, threshold=100000)
    items = [(sku.pk, 1), (cheap_sku.pk, 2)]
    q = queries.quote(customer, items, "Q100")
    order = actions.place_order(customer, items=items, address_id=address.pk, coupon_code="Q100")
    assert (q.subtotal, q.discount, q.shipping_fee, q.total) == (
        order.subtotal,
        order.discount,
        order.shipping_fee,
        order.total,
    )


def test_quote_reports_why_a_coupon_does_not_apply_without_failing(customer, cheap_sku):
    make_coupon(code="BIG", value=5000, threshold=50000)
    q = queries.quote(customer, [(cheap_sku.pk, 1)], "big")
    assert q.coupon is None and q.discount == 0
    assert q.coupon_problem.code == "coupon_threshold_not_met" and q.coupon_message == "未达到优惠券使用门槛"
    assert queries.quote(customer, [(cheap_sku.pk, 1)], "missing").coupon_problem.code == "coupon_not_found"


def test_quote_flags_stock_shortage(customer):
    scarce = make_sku(stock=1, title="限量显卡")
    q = queries.quote(customer, [(scarce.pk, 3)])
    assert not q.can_place and q.problems == ["限量显卡 库存不足（剩余 1 件）"]


def test_available_coupons_best_first_and_hides_used_up(customer, address, cheap_sku):
    small = make_coupon(code="S5", value=500)
    big = make_coupon(code="B50", value=5000, threshold=10000)
    pct = make_coupon(code="P20", kind=CouponKind.PERCENT_OFF, value=20)
    make_coupon(code="GONE", value=100, total_quota=1, used_count=1)
    make_coupon(code="OFF", value=100, is_active=False)
    make_coupon(code="LATER", value=100, starts_in=timedelta(days=2))
    offers = queries.available_coupons(customer, subtotal=5000)
    assert [(o.coupon.code, o.discount, o.applicable) for o in offers] == [
        (pct.code, 1000, True),
        (small.code, 500, True),
        (big.code, 0, False),
    ]
    actions.place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk, coupon_code="S5")
    assert "S5" not in [o.coupon.code for o in queries.available_coupons(customer, subtotal=5000)]


def test_active_flash_sales_lists_only_running_purchasable_ones(sku):
    running = make_flash_sale(sku)
    make_flash_sale(sku, starts_in=timedelta(hours=1))
    make_flash_sale(sku, is_active=False)
    make_flash_sale(make_sku(is_listed=False))
    assert [s.pk for s in queries.active_flash_sales()] == [running.pk]


@pytest.mark.django_db(transaction=True)
def test_order_number_collision_outside_any_outer_transaction(customer, address, cheap_sku, monkeypatch):
    """No savepoint guards the order INSERT: a duplicate number aborts the whole (top-level) transaction,
    which is rolled back and placed again from scratch under a fresh number, taking stock once."""
    first = actions.place_order(customer, items=[(cheap_sku.pk, 1)], address_id=address.pk)
    stock_before = SKU.objects.get(pk=cheap_sku.pk).stock
    numbers = iter([first.order_no, "WX20991231235959000002"])
    monkeypatch.setattr(placement, "new_order_no", lambda: next(numbers))
    second = actions.place_order(customer, items=[(cheap_sku.pk, 2)], address_id=address.pk)
    assert second.order_no == "WX20991231235959000002" and not second.replayed
    assert Order.objects.filter(user=customer).count() == 2
    assert SKU.objects.get(pk=cheap_sku.pk).stock == stock_before - 2
    assert [e.to_status for e in second.events.all()] == ["pending_payment"]
