"""wxsandbox's Store pushes its events to the hub's receiver (a live server): stored once, processed
by re-reading the order, and nothing lost or doubled when pushes are duplicated, reordered or lost."""

import dataclasses

import pytest

from wxmall.core.relay import relay
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.store import tasks
from wxmall.store.actions import binding, products
from wxmall.store.models import StoreEvent, StoreOrder, StoreProduct, StoreSku, SyncState
from wxmall.store.testing import make_store_product
from wxsandbox.config import STORE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pushing_store(settings, live_server, wxsandbox_factory, wxsandbox_base_config):
    from wxmall.wechat.clients import registry
    from wxmall.wechat.testing import forget_credentials, use_sandbox

    store_app = next(a for a in wxsandbox_base_config.apps if a.kind == STORE)
    url = f"{live_server.url}/wechat/store/{store_app.appid}/"
    apps = tuple(
        dataclasses.replace(a, server_url=url) if a.kind == STORE else a for a in wxsandbox_base_config.apps
    )
    sandbox = wxsandbox_factory(dataclasses.replace(wxsandbox_base_config, apps=apps))
    use_sandbox(settings, sandbox)
    app = sandbox.app_of_kind(STORE)
    settings.WECHAT_APPS = {**settings.WECHAT_APPS, "store": {"appid": app.appid, "secret": app.secret}}
    settings.WECHAT_STORE_PUSH_TOKEN = app.token
    settings.WECHAT_STORE_PUSH_AES_KEY = app.encoding_aes_key
    settings.STORE_EVENT_RETRY_SECONDS = 0
    forget_credentials(settings)
    registry().recorder.discard()
    binding.connect()
    product = make_store_product(
        mapped=False, brand="自有", skus=[{"price": 399_900, "stock": 20, "memory": "16G"}]
    )
    binding.map_category(product.category_id, ["10000111", "10000113", "6091"], "台式机")
    products.start_sync(product.pk)
    relay()
    return sandbox


def delivered(sandbox, event_glob: str):
    def done():
        found = sandbox.control("GET", "store/events", params={"event": event_glob})["events"]
        return (
            found
            if found and all(d["status"] == "delivered" for e in found for d in e["deliveries"])
            else None
        )

    return sandbox.wait_for(done, timeout=10)


def buy(sandbox, count=1):
    s = StoreSku.objects.select_related("store_product").get()
    order = sandbox.control(
        "POST",
        "store/orders",
        json={
            "user": "xiaoming",
            "product_id": s.store_product.store_product_id,
            "sku_id": s.store_sku_id,
            "count": count,
        },
    )["order"]
    sandbox.control("POST", f"store/orders/{order['order_id']}/pay")
    return order["order_id"]


def test_audit_and_order_pushes_reach_the_hub_and_are_processed(pushing_store):
    delivered(pushing_store, "product_spu_*")
    order_id = buy(pushing_store, 2)
    delivered(pushing_store, "channels_ec_order_*")
    assert StoreEvent.objects.filter(event="channels_ec_order_pay", business_id=order_id).count() == 1
    tasks.retry_events()  # what the worker does with each stored push
    assert StoreOrder.objects.get().store_order_id == order_id
    assert Order.objects.get().status == OrderStatus.PAID
    assert StoreProduct.objects.get().state == SyncState.LIVE
    assert not StoreEvent.objects.filter(processed_at__isnull=True).exists()


def test_duplicated_and_reordered_pushes_make_one_order(pushing_store):
    delivered(pushing_store, "product_spu_*")
    pushing_store.add_fault(target="callback:store.push", duplicate=True)
    pushing_store.add_fault(target="callback:store.push", reorder=True, times=1)
    buy(pushing_store)
    sent = delivered(pushing_store, "channels_ec_order_*")
    assert sum(len(e["deliveries"]) for e in sent) > len(sent)  # WeChat really sent some twice
    assert StoreEvent.objects.filter(event__startswith="channels_ec_order_").count() == len(sent)
    tasks.retry_events()
    tasks.retry_events()
    assert Order.objects.count() == 1
    assert Order.objects.get().status == OrderStatus.PAID


def test_lost_pushes_are_made_up_by_the_order_listing(pushing_store):
    delivered(pushing_store, "product_spu_*")
    pushing_store.add_fault(target="callback:store.push", drop=True)
    order_id = buy(pushing_store)
    assert not StoreOrder.objects.exists()
    tasks.poll_orders()
    assert StoreOrder.objects.get().store_order_id == order_id
    assert Order.objects.get().status == OrderStatus.PAID
