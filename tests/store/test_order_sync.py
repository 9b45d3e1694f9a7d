"""Store orders into local orders (`apply_order` with order objects in the reference's §5.3 shape; the
API read that feeds it is the client's `order_get`)."""

import itertools
import threading

import pytest
from django.db import connection
from tests.helpers.db import refused

from wxmall.catalog.models import SKU
from wxmall.core.models import OutboxMessage
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.store.actions import orders
from wxmall.store.models import StoreOrder, StoreSku
from wxmall.store.testing import make_store_product, make_synced

_ids = itertools.count(3705115058471208928)


def store_order(sku_row: StoreSku, *, status=20, count=2, order_id=None, update_time=1658509300, **extra):
    sku = sku_row.sku
    data = {
        "order_id": order_id or str(next(_ids)),
        "status": status,
        "create_time": 1658505600,
        "update_time": update_time,
        "openid": "OPENID-buyer",
        "order_detail": {
            "product_infos": [
                {
                    "product_id": sku_row.store_product.store_product_id,
                    "sku_id": sku_row.store_sku_id,
                    "sku_cnt": count,
                    "title": sku.product.title,
                    "sale_price": sku.price,
                }
            ],
            "pay_info": {"transaction_id": "4200001234567890"},
            "price_info": {
                "product_price": sku.price * count,
                "order_price": sku.price * count + 500,
                "freight": 500,
            },
            "delivery_info": {
                "address_info": {
                    "user_name": "陈先生",
                    "province_name": "广东",
                    "city_name": "广州",
                    "county_name": "海珠区",
                    "detail_info": "***",
                    "tel_number": "***",
                }
            },
            "ext_info": {"finder_id": "sph3FZbOEY46mAB", "live_id": "export/UzFf", "order_scene": 2},
            "sharer_info": {"sharer_openid": "SHAREROPENID", "sharer_type": 0},
        },
    }
    data.update(extra)
    return data


@pytest.fixture
def synced_sku(store):
    product = make_store_product(skus=[{"price": 10_000, "stock": 10}])
    make_synced(product)
    return StoreSku.objects.select_related("sku", "store_product").get()


def test_a_paid_store_order_becomes_a_local_order_with_its_channel(synced_sku):
    data = store_order(synced_sku)
    so = orders.apply_order(data)
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID and order.channel == "wechat_store"
    assert (order.subtotal, order.shipping_fee, order.total) == (20_000, 500, 20_500)
    assert order.payment_transaction_id == "4200001234567890"
    assert (so.finder_id, so.live_id, so.order_scene, so.sharer_openid) == (
        "sph3FZbOEY46mAB",
        "export/UzFf",
        2,
        "SHAREROPENID",
    )
    assert order.user.username == orders.BUYERS_USERNAME  # no local account for this buyer
    assert SKU.objects.get().stock == 8  # the same pool as the H5 shop


def test_a_known_buyer_gets_the_order_on_their_account(synced_sku, customer, store):
    from wxmall.accounts.models import WeChatIdentity

    WeChatIdentity.objects.create(user=customer, appid=store.appid, openid="OPENID-buyer")
    orders.apply_order(store_order(synced_sku))
    assert Order.objects.get().user == customer


def test_pushed_and_polled_copies_make_one_order(synced_sku):
    data = store_order(synced_sku)
    orders.apply_order(data)
    orders.apply_order(data)
    assert Order.objects.count() == 1 == StoreOrder.objects.count()
    assert SKU.objects.get().stock == 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_copies_of_one_order_make_one_order(settings):
    from wxmall.store.testing import make_shop, store_settings

    store_settings(settings)
    make_shop()
    product = make_store_product(skus=[{"price": 10_000, "stock": 10}])
    make_synced(product)
    row = StoreSku.objects.select_related("sku", "store_product").get()
    data = store_order(row)
    errors = []

    def apply() -> None:
        try:
            orders.apply_order(data)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Order.objects.count() == 1 == StoreOrder.objects.count()
    assert SKU.objects.get().stock == 8


def test_an_order_for_products_we_do_not_sync_is_ignored(synced_sku):
    data = store_order(synced_sku)
    data["order_detail"]["product_infos"][0]["sku_id"] = "999999"
    assert orders.apply_order(data) is None
    assert not Order.objects.exists()


def test_an_unpaid_order_cancelled_by_the_store_releases_its_stock(synced_sku):
    data = store_order(synced_sku, status=10)
    orders.apply_order(data)
    assert SKU.objects.get().stock == 8
    orders.apply_order({**data, "status": 250, "update_time": data["update_time"] + 60})
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert SKU.objects.get().stock == 10


def test_out_of_order_reads_never_move_an_order_backwards(synced_sku):
    paid = store_order(synced_sku, status=20, update_time=100)
    orders.apply_order({**paid, "status": 30, "update_time": 200})
    orders.apply_order(paid)  # an older read arriving late
    assert Order.objects.get().status == OrderStatus.SHIPPED
    assert StoreOrder.objects.get().store_status == 30


def test_store_statuses_walk_the_local_state_machine(synced_sku):
    data = store_order(synced_sku, status=10, update_time=1)
    orders.apply_order(data)
    orders.apply_order({**data, "status": 100, "update_time": 2})
    order = Order.objects.get()
    assert order.status == OrderStatus.COMPLETED
    assert list(order.events.values_list("to_status", flat=True)) == [
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    ]
    assert not OutboxMessage.objects.filter(kind="store.delivery_send").exists()  # the Store shipped it


def test_all_items_refunded_on_the_store_refunds_locally(synced_sku):
    data = store_order(synced_sku, status=20, update_time=1)
    orders.apply_order(data)
    orders.apply_order({**data, "status": 200, "update_time": 2})
    assert Order.objects.get().status == OrderStatus.REFUNDED
    assert SKU.objects.get().stock == 10  # refunded before shipping: the units are back


def test_shipping_from_the_console_queues_the_delivery_for_the_store(synced_sku, admin_user):
    so = orders.apply_order(store_order(synced_sku))
    orders.ship(so.order_id, admin_user, delivery_id="SF", waybill_id="SF1234567890")
    assert Order.objects.get().status == OrderStatus.SHIPPED
    row = OutboxMessage.objects.get(kind="store.delivery_send")
    assert row.payload == {
        "order_id": so.store_order_id,
        "delivery_id": "SF",
        "waybill_id": "SF1234567890",
        "items": [[synced_sku.store_product.store_product_id, synced_sku.store_sku_id, 2]],
    }


def test_a_store_order_cannot_ship_without_a_waybill(synced_sku, admin_user):
    from wxmall.orders import actions as order_actions

    so = orders.apply_order(store_order(synced_sku))
    refused("store_waybill_required", orders.ship, so.order_id, admin_user, delivery_id="SF", waybill_id=" ")
    refused("store_waybill_required", order_actions.ship, so.order_id, admin_user)


def test_a_store_order_sold_out_here_keeps_the_pool_consistent_when_cancelled(synced_sku):
    SKU.objects.update(stock=1)
    data = store_order(synced_sku, status=10, count=2)
    orders.apply_order(data)
    assert SKU.objects.get().stock == 1  # could not take 2: nothing taken, the shortage recorded
    assert StoreOrder.objects.get().source["stock_short"] == [synced_sku.sku_id]
    orders.apply_order({**data, "status": 250, "update_time": data["update_time"] + 1})
    assert SKU.objects.get().stock == 1  # nothing given back that was never taken


def test_a_mini_program_order_shipped_from_the_console_reports_its_shipping(
    customer, address, sku, admin_user
):
    from django.utils import timezone

    from wxmall.checkout import actions as checkout
    from wxmall.orders import actions as order_actions
    from wxmall.payments.models import Payment, PaymentStatus, PayMethod

    order = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    Payment.objects.create(
        order=order,
        method=PayMethod.MINIPROGRAM,
        status=PaymentStatus.PAID,
        appid="wx5b1f0a7c3e9d0b02",
        mchid="1230000109",
        amount=order.total,
        out_trade_no=f"{order.order_no}-1",
        payer_openid="o-mp-payer",
        transaction_id="4200009999",
    )
    order_actions.mark_paid(order.order_no, "4200009999", timezone.now(), order.total)
    assert orders.ship(order.pk, admin_user, delivery_id="SF", waybill_id="SF0001") is None
    row = OutboxMessage.objects.get(kind="mp.upload_shipping_info")
    assert row.payload["transaction_id"] == "4200009999" and row.payload["tracking_no"] == "SF0001"
    assert row.payload["openid"] == "o-mp-payer" and row.payload["item_desc"].endswith("*1")


def test_an_h5_order_is_not_shipped_through_the_store_form(customer, address, sku, admin_user):
    from wxmall.checkout import actions as checkout

    order = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    refused("store_order_not_from_store", orders.ship, order.pk, admin_user, delivery_id="SF", waybill_id="1")
