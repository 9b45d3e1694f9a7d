"""Choosing store pickup (门店自提) at checkout: through the API and the storefront page, no address, no
shipping fee, the store on the order; refusals write nothing."""

import json
import re

import pytest

from helpers.db import refused, refused_request
from wxmall.catalog.testing import make_sku
from wxmall.checkout import actions
from wxmall.orders.models import Order
from wxmall.pickup.models import PickupOrder

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_api_lists_active_stores_quotes_and_places_a_pickup_order(api, store, closed_store, db):
    cheap = make_sku(price=1990, stock=5, title="USB-C 数据线")
    stores = api.get("/api/pickup/stores").json()
    assert [s["name"] for s in stores] == ["深圳南山店"]  # the closed one is not offered
    items = [{"sku_id": cheap.pk, "quantity": 1}]
    delivered = post(api, "/api/checkout/quote", {"items": items}).json()
    picked_up = post(api, "/api/checkout/quote", {"items": items, "pickup_store_id": store.pk}).json()
    assert delivered["shipping_fee"] == 1000 and picked_up["shipping_fee"] == 0  # below free shipping
    assert picked_up["total"] == 1990

    response = post(api, "/api/checkout/orders", {"items": items, "pickup_store_id": store.pk})
    assert response.status_code == 201, response.content
    order = Order.objects.get(order_no=response.json()["order_no"])
    assert (order.total, order.shipping_fee, order.ship_detail, order.ship_phone) == (1990, 0, "", "")
    pickup = api.get(f"/api/pickup/orders/{order.order_no}").json()
    assert pickup["store"]["name"] == "深圳南山店" and pickup["code"] is None  # no code before payment


def test_store_details_are_a_snapshot(customer, sku, store):
    order = actions.place_order(customer, items=[(sku.pk, 1)], pickup_store_id=store.pk)
    store.name, store.address = "改名后的门店", "搬走了"
    store.save()
    assert (order.pickup.store_name, PickupOrder.objects.get(order=order).store_address) == (
        "深圳南山店",
        "深圳市南山区科苑路 15 号",
    )


def test_refusals_write_nothing(api, customer, address, sku, store, closed_store):
    items = [{"sku_id": sku.pk, "quantity": 1}]
    url = "/api/checkout/orders"
    refused_request(api, url, {"items": items}, 400, "pickup_or_address_required")
    both = {"items": items, "address_id": address.pk, "pickup_store_id": store.pk}
    refused_request(api, url, both, 400, "pickup_or_address_required")
    refused_request(
        api, url, {"items": items, "pickup_store_id": closed_store.pk}, 404, "pickup_store_not_found"
    )
    refused_request(api, url, {"items": items, "pickup_store_id": 10**12}, 404, "pickup_store_not_found")
    refused_request(
        api,
        "/api/checkout/quote",
        {"items": items, "pickup_store_id": closed_store.pk},
        404,
        "pickup_store_not_found",
    )
    refused("pickup_store_not_found", actions.place_order, customer, items=[(sku.pk, 1)], pickup_store_id="1")
    # A malformed id never reaches the domain: the schema refuses it.
    assert post(api, url, {"items": items, "pickup_store_id": "<script>"}).status_code == 400


def test_pickup_of_another_customers_order_is_not_found(api, other_customer, sku, store, address):
    theirs = actions.place_order(other_customer, items=[(sku.pk, 1)], pickup_store_id=store.pk)
    assert api.get(f"/api/pickup/orders/{theirs.order_no}").status_code == 404
    mine = actions.place_order(address.user, items=[(sku.pk, 1)], address_id=address.pk)
    response = api.get(f"/api/pickup/orders/{mine.order_no}")
    assert response.status_code == 404 and response.json()["code"] == "pickup_order_not_found"


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def test_storefront_checkout_offers_pickup_only_when_stores_exist(api, address, sku):
    page = api.get(f"/checkout/?sku={sku.pk}&qty=1").content.decode()
    assert "门店自提" not in page and "收货地址" in page


def test_storefront_pickup_checkout_places_the_order_and_shows_the_store(api, customer, address, sku, store):
    page = api.get(f"/checkout/?sku={sku.pk}&qty=1").content.decode()
    assert "门店自提" in page and 'id="fulfil-pickup"' in page
    page = api.get(f"/checkout/?sku={sku.pk}&qty=1&fulfilment=pickup").content.decode()
    assert "深圳南山店" in page and "营业时间" in page and 'name="address"' not in page
    response = api.post(
        "/checkout/",
        {
            "sku": sku.pk,
            "qty": 1,
            "fulfilment": "pickup",
            "pickup_store": store.pk,
            "idempotency_key": _key(page),
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    order = Order.objects.get(user=customer)
    assert order.pickup.store_id == store.pk and order.ship_detail == ""
    detail = api.get(response.url).content.decode()
    assert "门店自提" in detail and "深圳南山店" in detail and "收货地址" not in detail
    assert 'id="pickup-code"' not in detail  # unpaid: no code yet


def test_storefront_pickup_with_a_closed_store_is_refused(api, customer, sku, store, closed_store):
    page = api.get(f"/checkout/?sku={sku.pk}&qty=1&fulfilment=pickup").content.decode()
    response = api.post(
        "/checkout/",
        {
            "sku": sku.pk,
            "qty": 1,
            "fulfilment": "pickup",
            "pickup_store": closed_store.pk,
            "idempotency_key": _key(page),
        },
    )
    assert response.status_code == 404 and "自提门店不存在或已停用" in response.content.decode()
    assert not Order.objects.exists()


def test_demo_loads_two_pickup_stores_idempotently(db):
    from wxmall.pickup import demo
    from wxmall.pickup.models import PickupStore

    demo.load()
    demo.load()
    assert PickupStore.objects.filter(active=True).count() == 2
