"""Store and Mini Program orders ship through the store app's delivery sync (one parcel, all items: the
outbox's `delivery/send`), and the courier list comes from the Store's `deliverycompanylist/get`."""

import pytest

from helpers.db import refused
from store.conftest import store, wx_store  # noqa: F401  (fixtures, found by name)
from store.test_order_sync import store_order, synced_sku  # noqa: F401
from wxmall.core.models import OutboxMessage
from wxmall.fulfilment import actions, queries
from wxmall.fulfilment.models import Shipment, StoreCourier
from wxmall.fulfilment.testing import make_staff
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.store.actions import orders

pytestmark = pytest.mark.django_db


def test_a_store_order_ships_whole_through_delivery_send(synced_sku):  # noqa: F811
    so = orders.apply_order(store_order(synced_sku, count=2))
    clerk = make_staff("ship_order")
    line = Order.objects.get().lines.get()
    refused(
        "fulfilment_no_split",
        actions.ship,
        so.order_id,
        clerk,
        courier_code="SF",
        tracking_no="SF1234567890",
        quantities={line.pk: 1},
    )
    actions.ship(so.order_id, clerk, courier_code="SF", tracking_no="SF1234567890")
    assert Order.objects.get().status == OrderStatus.SHIPPED and Shipment.objects.count() == 1
    row = OutboxMessage.objects.get(kind="store.delivery_send")
    assert (row.payload["delivery_id"], row.payload["waybill_id"]) == ("SF", "SF1234567890")
    assert row.payload["items"] == [[synced_sku.store_product.store_product_id, synced_sku.store_sku_id, 2]]


def test_the_courier_list_is_synced_from_the_store(wx_store):  # noqa: F811
    assert dict(queries.couriers())["JTSD"] == "极兔速递"  # the built-in list before any sync
    assert actions.sync_couriers() == StoreCourier.objects.count() > 0
    synced = dict(queries.couriers())
    assert synced["SF"] == "顺丰速运" and "JTSD" not in synced  # the Store's own list now
