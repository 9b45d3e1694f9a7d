"""Shipping paid orders: whole or in parcels, refused for unpaid/cancelled orders, over-shipping, bad
input, a role without the permission and two staff shipping at once; the customer sees the parcels;
the packing list prints what is left."""

import pytest
from django.test import Client

from helpers.db import refused
from helpers.threads import codes, run_parallel
from wxmall.checkout import actions as checkout
from wxmall.fulfilment import actions
from wxmall.fulfilment.models import Shipment
from wxmall.fulfilment.testing import make_staff, mark_paid
from wxmall.orders import actions as order_actions
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus as S

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(db):
    return make_staff("ship_order", username="warehouse")


@pytest.fixture
def order(customer, address, sku, cheap_sku):
    placed = checkout.place_order(customer, items=[(sku.pk, 1), (cheap_sku.pk, 3)], address_id=address.pk)
    return mark_paid(placed)


def lines(order):
    laptop, cable = order.lines.order_by("unit_price").reverse()
    return laptop, cable


def test_a_paid_order_ships_in_two_parcels_and_is_shipped_with_the_last(order, clerk, client, customer):
    laptop, cable = lines(order)
    first = actions.ship(
        order.pk, clerk, courier_code="SF", tracking_no="SF1234567890", quantities={laptop.pk: 1, cable.pk: 1}
    )
    assert first.courier_name == "顺丰速运"
    assert Order.objects.get(pk=order.pk).status == S.PAID  # 部分发货: still waiting for the rest
    refused(
        "fulfilment_over_shipped",
        actions.ship,
        order.pk,
        clerk,
        courier_code="YTO",
        tracking_no="YT9876543210",
        quantities={cable.pk: 3},
    )
    actions.ship(order.pk, clerk, courier_code="YTO", tracking_no="YT9876543210")  # the rest: 2 cables
    shipped = Order.objects.get(pk=order.pk)
    assert shipped.status == S.SHIPPED and shipped.shipped_at
    assert shipped.events.last().reason == "商家发货：圆通速递 YT9876543210"
    refused(
        "fulfilment_not_shippable",
        actions.ship,
        order.pk,
        clerk,
        courier_code="SF",
        tracking_no="SF0000000001",
    )

    client.force_login(customer)
    page = client.get(f"/orders/{order.order_no}/").content.decode()
    assert "顺丰速运" in page and "SF1234567890" in page and "圆通速递" in page and "YT9876543210" in page


def test_tracking_for_an_unpaid_or_cancelled_order_is_refused(customer, address, sku, clerk):
    unpaid = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    exc = refused(
        "fulfilment_not_shippable",
        actions.ship,
        unpaid.pk,
        clerk,
        courier_code="SF",
        tracking_no="SF1234567890",
    )
    assert "待支付" in exc.message
    order_actions.cancel_by_customer(customer, unpaid.order_no)
    refused(
        "fulfilment_not_shippable",
        actions.ship,
        unpaid.pk,
        clerk,
        courier_code="SF",
        tracking_no="SF1234567890",
    )


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"courier_code": "NOPE", "tracking_no": "SF1234567890"}, "fulfilment_invalid_courier"),
        ({"courier_code": "SF", "tracking_no": "SF 123"}, "fulfilment_invalid_tracking"),
        ({"courier_code": "SF", "tracking_no": "<script>alert(1)</script>"}, "fulfilment_invalid_tracking"),
        (
            {"courier_code": "SF", "tracking_no": "SF1234567890", "quantities": {}},
            "fulfilment_nothing_to_ship",
        ),
        (
            {"courier_code": "SF", "tracking_no": "SF1234567890", "quantities": {999999: 1}},
            "fulfilment_invalid_quantity",
        ),
    ],
)
def test_bad_shipping_input_writes_nothing(order, clerk, kwargs, code):
    refused(code, actions.ship, order.pk, clerk, **kwargs)


def test_negative_and_oversized_quantities_are_refused(order, clerk):
    laptop, cable = lines(order)
    refused(
        "fulfilment_invalid_quantity",
        actions.ship,
        order.pk,
        clerk,
        courier_code="SF",
        tracking_no="SF1234567890",
        quantities={laptop.pk: -1},
    )
    refused(
        "fulfilment_over_shipped",
        actions.ship,
        order.pk,
        clerk,
        courier_code="SF",
        tracking_no="SF1234567890",
        quantities={laptop.pk: 2},
    )


def test_a_role_without_the_permission_cannot_ship_or_see_the_pages(order):
    operator = make_staff("view_order")
    refused(
        "fulfilment_not_permitted",
        actions.ship,
        order.pk,
        operator,
        courier_code="SF",
        tracking_no="SF1234567890",
    )
    client = Client()
    client.force_login(operator)
    for url in (f"/console/fulfilment/orders/{order.pk}/", f"/console/fulfilment/orders/{order.pk}/packing/"):
        response = client.get(url)
        assert response.status_code == 403 and "没有「发货」的权限" in response.content.decode()
    response = client.post(
        f"/console/fulfilment/orders/{order.pk}/", {"courier": "SF", "tracking_no": "SF1234567890"}
    )
    assert response.status_code == 403 and not Shipment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_staff_shipping_the_same_order_at_once_ship_it_once(customer, address, sku):
    order = mark_paid(checkout.place_order(customer, items=[(sku.pk, 2)], address_id=address.pk))
    a, b = make_staff("ship_order"), make_staff("ship_order")
    results = run_parallel(
        [
            lambda: actions.ship(order.pk, a, courier_code="SF", tracking_no="SF1111111111"),
            lambda: actions.ship(order.pk, b, courier_code="ZTO", tracking_no="ZT2222222222"),
        ]
    )
    assert codes(results) == ["Shipment", "fulfilment_not_shippable"]
    assert Shipment.objects.count() == 1
    order.refresh_from_db()
    assert order.status == S.SHIPPED and order.events.filter(to_status=S.SHIPPED).count() == 1


def test_the_console_ships_part_of_an_order_and_prints_the_packing_list(order, clerk):
    laptop, cable = lines(order)
    client = Client()
    client.force_login(clerk)
    page = client.get("/console/fulfilment/").content.decode()
    assert order.order_no in page and "待发货" in page
    response = client.post(
        f"/console/fulfilment/orders/{order.pk}/",
        {"courier": "JD", "tracking_no": "JD0012345678", f"qty-{laptop.pk}": "1", f"qty-{cable.pk}": ""},
    )
    assert response.status_code == 302
    assert "部分发货" in client.get("/console/fulfilment/").content.decode()
    packing = client.get(f"/console/fulfilment/orders/{order.pk}/packing/").content.decode()
    assert "拣货单" in packing and "JD0012345678" in packing and order.ship_recipient in packing
    bad = client.post(
        f"/console/fulfilment/orders/{order.pk}/",
        {"courier": "JD", "tracking_no": "JD0012345679", f"qty-{cable.pk}": "abc"},
    )
    assert bad.status_code == 400 and "发货数量须为" in bad.content.decode()
    assert Shipment.objects.count() == 1


def test_a_pickup_order_is_not_shipped(customer, sku, clerk):
    from wxmall.pickup.testing import make_store

    store = make_store()
    placed = checkout.place_order(customer, items=[(sku.pk, 1)], pickup_store_id=store.pk)
    refused(
        "pickup_order_not_shippable",
        actions.ship,
        mark_paid(placed).pk,
        clerk,
        courier_code="SF",
        tracking_no="SF1234567890",
    )
