"""The hub's Store sync against wxsandbox's WeChat Store, over the real wire: catalogue with audits,
orders from simulated buyers, delivery back, stock drift repaired."""

from django.db import transaction

from wxmall.catalog import stock
from wxmall.catalog.models import SKU
from wxmall.core.models import OutboxMessage, OutboxStatus
from wxmall.core.relay import relay
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.store import tasks
from wxmall.store.actions import binding, orders, products
from wxmall.store.models import StockDrift, StoreOrder, StoreProduct, StoreShop, StoreSku, SyncState
from wxmall.store.stock_sync import reconcile
from wxmall.store.testing import make_store_product
from wxmall.wechat import client
from wxmall.wechat.errors import PermanentError

PC = ["10000111", "10000113", "6091"]


def synced_product(sandbox, **fields):
    fields.setdefault("skus", [{"price": 399_900, "list_price": 459_900, "stock": 20, "memory": "16G"}])
    product = make_store_product(mapped=False, brand="自有", **fields)
    binding.map_category(product.category_id, PC, "台式机")
    products.start_sync(product.pk)
    relay()
    return product


def test_client_reads_the_shop_and_its_categories(wx_store):
    shop = StoreShop.objects.get()
    assert shop.shop_type == "enterprise" and shop.nickname
    service = client("store").store
    roots = service.child_categories(0)
    assert "10000111" in [c.cat_id for c in roots]
    rules = service.category_detail("6091")
    assert "内存容量" in rules.sale_attrs and "品牌" in rules.required_attrs
    assert any(c.delivery_id == "SF" for c in service.delivery_companies())


def test_unknown_product_id_is_a_permanent_error(wx_store):
    import pytest

    with pytest.raises(PermanentError):
        client("store").store.product_get("999999999")


def test_a_product_appears_on_the_store_after_audit(wx_store):
    product = synced_product(wx_store)
    row = OutboxMessage.objects.get(kind="store.product_sync")
    assert row.status == OutboxStatus.DELIVERED, row.last_error
    sp = StoreProduct.objects.get()
    assert sp.store_product_id and sp.state == SyncState.LIVE, sp.reason
    remote = wx_store.control("GET", f"store/products/{sp.store_product_id}")
    assert remote["status"] == 5
    assert StoreSku.objects.get(sku__product=product).store_sku_id  # SKU ids learnt from product/get


def test_a_rejected_audit_shows_its_reason(wx_store):
    wx_store.control(
        "POST", "store/settings", json={"audit_outcome": "reject", "audit_reason": "主图含有水印"}
    )
    synced_product(wx_store)
    sp = StoreProduct.objects.get()
    assert sp.state == SyncState.REJECTED
    assert "水印" in sp.reason


def test_a_lost_audit_push_is_caught_by_polling(wx_store, settings):
    wx_store.control("POST", "store/settings", json={"audit_outcome": "manual"})
    synced_product(wx_store)
    sp = StoreProduct.objects.get()
    assert sp.state == SyncState.AUDITING
    wx_store.control("POST", f"store/products/{sp.store_product_id}/audit", json={"outcome": "pass"})
    settings.STORE_AUDIT_POLL_AFTER_SECONDS = 0
    assert tasks.poll_audits() == 1
    assert StoreProduct.objects.get().state == SyncState.LIVE


def test_a_local_change_is_pushed_as_an_update(wx_store):
    product = synced_product(wx_store)
    product.title = "家用办公台式电脑主机 i7 32G 1T"
    product.save()
    relay()
    sp = StoreProduct.objects.get()
    assert sp.pushed_version == sp.wanted_version and sp.state == SyncState.LIVE
    assert len(wx_store.journal(direction="in", path_prefix="/channels/ec/product/add", limit=10)) == 1
    assert len(wx_store.journal(direction="in", path_prefix="/channels/ec/product/update", limit=10)) == 1


def test_buyer_order_reaches_the_hub_ships_back_and_releases_on_cancel(wx_store, admin_user):
    synced_product(wx_store)
    # The account is bound in the Store's back end (no API) and recorded in the hub's console.
    wx_store.control("POST", "store/finders", json={"nickname": "电脑城官方", "finder_id": "sph3FZbOEY46mAB"})
    binding.bind_channels("sph3FZbOEY46mAB", "电脑城官方")
    s = StoreSku.objects.select_related("store_product", "sku").get()
    placed = wx_store.control(
        "POST",
        "store/orders",
        json={
            "user": "xiaoming",
            "product_id": s.store_product.store_product_id,
            "sku_id": s.store_sku_id,
            "count": 2,
            "finder_id": "sph3FZbOEY46mAB",
            "live_id": "export/UzFf",
            "order_scene": 2,
        },
    )["order"]
    wx_store.control("POST", f"store/orders/{placed['order_id']}/pay")
    assert tasks.poll_orders() >= 1  # no push server: the compensation listing finds it
    so = StoreOrder.objects.get()
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID and order.channel == "wechat_store"
    assert so.finder_id == "sph3FZbOEY46mAB" and so.live_id == "export/UzFf"
    assert SKU.objects.get().stock == 18
    tasks.poll_orders()  # polled again: still one order
    assert Order.objects.count() == 1

    orders.ship(order.pk, admin_user, delivery_id="SF", waybill_id="SF1234567890")
    relay()
    row = OutboxMessage.objects.get(kind="store.delivery_send")
    assert row.status == OutboxStatus.DELIVERED, row.last_error
    assert client("store").store.order_get(placed["order_id"])["status"] == 30


def test_an_unpaid_store_order_cancelled_gives_its_units_back(wx_store):
    synced_product(wx_store)
    s = StoreSku.objects.select_related("store_product").get()
    placed = wx_store.control(
        "POST",
        "store/orders",
        json={"user": "lihua", "product_id": s.store_product.store_product_id, "sku_id": s.store_sku_id},
    )["order"]
    orders.sync_order(placed["order_id"])
    assert SKU.objects.get().stock == 19
    wx_store.control("POST", f"store/orders/{placed['order_id']}/cancel", json={"cancel_type": 1})
    orders.sync_order(placed["order_id"])
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert SKU.objects.get().stock == 20


def test_local_stock_change_reaches_the_store(wx_store):
    synced_product(wx_store)
    s = StoreSku.objects.select_related("store_product").get()
    with transaction.atomic():
        stock.adjust(s.sku_id, -5)
    relay()
    remote = client("store").store.stock_get(s.store_product.store_product_id, s.store_sku_id)
    assert remote.normal == 15


def test_reconciliation_repairs_drift_and_logs_it(wx_store):
    synced_product(wx_store)
    s = StoreSku.objects.select_related("store_product").get()
    wx_store.control("POST", "store/stock", json={"items": [{"sku_id": s.store_sku_id, "stock": 3}]})
    run = reconcile()
    assert (run.checked, run.drifted, run.repaired, run.failed) == (1, 1, 1, 0)
    drift = StockDrift.objects.get()
    assert (drift.local_stock, drift.store_stock, drift.repaired) == (20, 3, True)
    assert client("store").store.stock_get(s.store_product.store_product_id, s.store_sku_id).normal == 20
    assert reconcile().drifted == 0  # repaired: the next cycle finds nothing


def test_reconciliation_does_not_double_a_change_still_queued(wx_store):
    synced_product(wx_store)
    s = StoreSku.objects.select_related("store_product").get()
    with transaction.atomic():
        stock.adjust(s.sku_id, -5)  # queued, not yet relayed
    assert reconcile().drifted == 0
    relay()
    assert client("store").store.stock_get(s.store_product.store_product_id, s.store_sku_id).normal == 15
    assert reconcile().drifted == 0


def test_store_orders_and_local_changes_on_the_same_sku_commute(wx_store):
    synced_product(wx_store)
    s = StoreSku.objects.select_related("store_product").get()
    placed = wx_store.control(
        "POST",
        "store/orders",
        json={
            "user": "lihua",
            "product_id": s.store_product.store_product_id,
            "sku_id": s.store_sku_id,
            "count": 3,
        },
    )["order"]  # the Store took 3 of its own
    with transaction.atomic():
        stock.adjust(s.sku_id, -2)  # meanwhile a local sale of 2
    relay()
    orders.sync_order(placed["order_id"])  # the hub learns of the Store order and takes 3 locally
    assert SKU.objects.get().stock == 15
    assert client("store").store.stock_get(s.store_product.store_product_id, s.store_sku_id).normal == 15
    assert reconcile().drifted == 0


def paid_store_order(sandbox, count=1):
    synced_product(sandbox)
    s = StoreSku.objects.select_related("store_product").get()
    placed = sandbox.control(
        "POST",
        "store/orders",
        json={
            "user": "xiaoming",
            "product_id": s.store_product.store_product_id,
            "sku_id": s.store_sku_id,
            "count": count,
        },
    )["order"]
    sandbox.control("POST", f"store/orders/{placed['order_id']}/pay")
    orders.sync_order(placed["order_id"])
    return placed["order_id"], s


def test_an_after_sale_refund_flows_back(wx_store):
    from wxmall.store.actions import aftersales
    from wxmall.store.models import StoreAfterSale

    order_id, s = paid_store_order(wx_store)
    sale = wx_store.control(
        "POST", "store/aftersales", json={"order_id": order_id, "sku_id": s.store_sku_id, "type": "REFUND"}
    )
    sale_id = (sale.get("after_sale_order") or sale)["after_sale_order_id"]
    aftersales.sync(sale_id)
    assert Order.objects.get().status == OrderStatus.REFUND_REQUESTED
    assert StoreAfterSale.objects.get().status == "MERCHANT_PROCESSING"
    aftersales.decide(sale_id, accept=True)  # the merchant agrees in the console
    relay()
    row = OutboxMessage.objects.get(kind="store.aftersale_accept")
    assert row.status == OutboxStatus.DELIVERED, row.last_error
    aftersales.sync(sale_id)  # the push would say so; the refund done by WeChat
    assert StoreAfterSale.objects.get().status == "MERCHANT_REFUND_SUCCESS"
    assert Order.objects.get().status == OrderStatus.REFUNDED
    assert SKU.objects.get().stock == 20  # refunded before shipping: back on the shelf


def test_a_rejected_after_sale_returns_the_order(wx_store):
    from wxmall.store.actions import aftersales

    order_id, s = paid_store_order(wx_store)
    sale = wx_store.control(
        "POST", "store/aftersales", json={"order_id": order_id, "sku_id": s.store_sku_id, "type": "REFUND"}
    )
    sale_id = (sale.get("after_sale_order") or sale)["after_sale_order_id"]
    aftersales.sync(sale_id)
    aftersales.decide(sale_id, accept=False, reason="商品已发出")
    relay()
    aftersales.sync(sale_id)
    assert Order.objects.get().status == OrderStatus.PAID


def test_a_product_with_the_catalogues_generated_pictures_uploads_three_png_cards(wx_store):
    from wxmall.catalog.images import image_urls
    from wxmall.catalog.models import Product

    product = make_store_product(
        mapped=False, brand="联想", images=[], skus=[{"price": 599_900, "memory": "32G"}]
    )
    Product.objects.filter(pk=product.pk).update(images=image_urls(product.pk))  # as the demo loader does
    binding.map_category(product.category_id, PC, "台式机")
    products.start_sync(product.pk)
    relay()
    sp = StoreProduct.objects.get()
    assert sp.state == SyncState.LIVE, sp.reason
    uploads = wx_store.journal(direction="in", path_prefix="/channels/ec/basics/img/upload", limit=10)
    assert len(uploads) == 3
    # A resync uploads nothing again (the cards did not change).
    products.start_sync(product.pk)
    relay()
    assert len(wx_store.journal(direction="in", path_prefix="/channels/ec/basics/img/upload", limit=10)) == 3


def test_a_platform_delisting_shows_on_the_product(wx_store):
    synced_product(wx_store)
    sp = StoreProduct.objects.get()
    wx_store.control("POST", f"store/products/{sp.store_product_id}/platform-delist", json={"status": 13})
    products.refresh(sp.store_product_id)  # what the product_spu_listing push triggers
    assert StoreProduct.objects.get().state == SyncState.DELISTED


def test_a_partial_store_refund_notes_the_order_and_leaves_its_status(wx_store):
    from wxmall.store.actions import aftersales

    order_id, s = paid_store_order(wx_store, count=2)
    sale = wx_store.control(
        "POST",
        "store/aftersales",
        json={"order_id": order_id, "sku_id": s.store_sku_id, "type": "REFUND", "count": 1},
    )["after_sale_order"]
    aftersales.sync(sale["after_sale_order_id"])
    assert Order.objects.get().status == OrderStatus.PAID  # one of two items: not the whole order
    aftersales.decide(sale["after_sale_order_id"], accept=True)
    relay()
    aftersales.sync(sale["after_sale_order_id"])
    aftersales.sync(sale["after_sale_order_id"])  # a repeated push adds nothing
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID
    notes = [e.reason for e in order.events.all() if "部分退款" in e.reason]
    assert notes == ["微信小店部分退款：家用办公台式电脑主机 i5 16G ×1，¥3,999.00"]


def test_a_refund_started_in_the_console_opens_one_store_after_sale_the_buyer_confirms(
    wx_store, admin_client
):
    import uuid

    from wxmall.store.actions import aftersales
    from wxmall.store.models import StoreAfterSale

    order_id, s = paid_store_order(wx_store, count=2)
    order = Order.objects.get()
    form = {
        "order_id": order.pk,
        "line_id": order.lines.get().pk,
        "count": "1",
        "amount": "3999",
        "reason": "QUALITY_ISSUE",
        "request_id": uuid.uuid4().hex,
    }
    for _ in range(2):  # a double submit of one form
        admin_client.post("/console/store/orders/refund/", form)
    relay()
    rows = OutboxMessage.objects.filter(kind="store.aftersale_generate")
    assert [r.status for r in rows] == [OutboxStatus.DELIVERED], [r.last_error for r in rows]
    [remote] = wx_store.control("GET", "store/aftersales")["aftersales"]
    assert remote["status"] == "USER_WAIT_HANDLE_MERCHANT_AFTER_SALE"
    assert StoreAfterSale.objects.get().refund_amount == 399_900
    wx_store.control("POST", f"store/aftersales/{remote['after_sale_order_id']}/confirm")  # the buyer agrees
    aftersales.sync(remote["after_sale_order_id"])
    assert StoreAfterSale.objects.get().status == "MERCHANT_REFUND_SUCCESS"
    assert Order.objects.get().status == OrderStatus.PAID  # one of two items

    # More than is left, or more money than the items cost: refused, nothing queued.
    for bad in ({"count": "2"}, {"amount": "4000"}, {"request_id": "x"}, {"amount": "-1"}):
        response = admin_client.post(
            "/console/store/orders/refund/",
            form | bad | {"request_id": bad.get("request_id", uuid.uuid4().hex)},
            follow=True,
        )
        assert any(m.level_tag == "error" for m in response.context["messages"])
    assert OutboxMessage.objects.filter(kind="store.aftersale_generate").count() == 1
