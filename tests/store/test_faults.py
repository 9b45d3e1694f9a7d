"""What the Store API's failures do to the outbox rows that call it: -1 and quotas wait and retry,
40001 refreshes the token once, business refusals dead-letter at once with the reason shown."""

from django.db import transaction
from django.utils import timezone

from wxmall.catalog import stock
from wxmall.core.models import OutboxMessage, OutboxStatus
from wxmall.core.relay import relay
from wxmall.store.actions import products
from wxmall.store.models import StoreProduct, StoreSku, SyncState
from wxmall.store.testing import make_store_product, make_synced

STOCK_UPDATE = "/channels/ec/product/stock/update"


def calls(sandbox, path):
    return len(sandbox.journal(direction="in", path_prefix=path, limit=1000))


def queued_stock_row():
    """A local stock change of -3 on a synced SKU, queued for the Store."""
    product = make_store_product()
    make_synced(product)
    with transaction.atomic():
        assert stock.adjust(product.skus.get().pk, -3)
    return OutboxMessage.objects.get(kind="store.stock_sync")


def pending_delta() -> int:
    return StoreSku.objects.get().pending_delta


def test_system_busy_is_retried_by_the_client_then_by_the_relay(wx_store, settings):
    settings.WECHAT_RETRY_ATTEMPTS = 3
    wx_store.add_fault(target=STOCK_UPDATE, errcode=-1)
    row = queued_stock_row()
    result = relay()
    row.refresh_from_db()
    assert result.retried == 1 and row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "errcode -1" in row.last_error
    assert calls(wx_store, STOCK_UPDATE) == 3
    assert pending_delta() == -3  # not sent: kept for the retry


def test_daily_quota_is_not_hammered(wx_store):
    wx_store.add_fault(target=STOCK_UPDATE, errcode=45009)
    row = queued_stock_row()
    relay()
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING and "45009" in row.last_error
    assert calls(wx_store, STOCK_UPDATE) == 1


def test_a_refused_token_is_refreshed_once(wx_store):
    wx_store.add_fault(target=STOCK_UPDATE, errcode=40001)
    row = queued_stock_row()
    relay()
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING and "40001" in row.last_error
    assert calls(wx_store, STOCK_UPDATE) == 2  # the failed call and one retry with a fresh token
    assert calls(wx_store, "/cgi-bin/stable_token") == 2


def test_a_business_refusal_dead_letters_and_shows_on_the_product(wx_store):
    wx_store.add_fault(target="/channels/ec/basics/img/upload", errcode=10020035, message="图片地址不合法")
    product = make_store_product()
    products.start_sync(product.pk)
    relay()
    row = OutboxMessage.objects.get(kind="store.product_sync")
    assert row.status == OutboxStatus.DEAD and "10020035" in row.last_error
    sp = StoreProduct.objects.get()
    assert sp.state == SyncState.FAILED and "10020035" in sp.reason
    assert calls(wx_store, "/channels/ec/product/add") == 0  # nothing half-created on the Store


PRODUCT_ADD = "/channels/ec/product/add"


def store_copies(sandbox, product) -> list[str]:
    """The Store products carrying this local product's out_product_id."""
    rows = sandbox.control("GET", "store/products")["products"]
    return [p["product_id"] for p in rows if p["out_product_id"] == str(product.pk)]


def test_a_lost_add_answer_is_found_on_retry_not_added_twice(wx_store, settings):
    settings.WECHAT_HTTP_TIMEOUT_SECONDS = 1
    # WeChat stores the product, then the answer never arrives (the hub times out).
    wx_store.add_fault(target=PRODUCT_ADD, after_handling=True, timeout=True, timeout_seconds=2, times=1)
    product = make_store_product()
    products.start_sync(product.pk)
    relay()
    row = OutboxMessage.objects.get(kind="store.product_sync")
    assert row.status == OutboxStatus.PENDING  # the timeout is retryable
    assert StoreProduct.objects.get(product=product).store_product_id is None
    [created] = store_copies(wx_store, product)

    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    relay()
    row.refresh_from_db()
    assert row.status == OutboxStatus.DELIVERED
    assert store_copies(wx_store, product) == [created]  # found and updated, not added again
    assert StoreProduct.objects.get(product=product).store_product_id == created


def test_a_gateway_timeout_on_add_is_not_resent_by_the_client(wx_store, settings):
    settings.WECHAT_RETRY_ATTEMPTS = 3
    wx_store.add_fault(target=PRODUCT_ADD, after_handling=True, http_status=504, times=1)
    product = make_store_product()
    products.start_sync(product.pk)
    relay()
    assert calls(wx_store, PRODUCT_ADD) == 1
    assert len(store_copies(wx_store, product)) == 1


def test_an_add_that_never_landed_is_added_on_retry(wx_store):
    wx_store.add_fault(target=PRODUCT_ADD, http_status=504, times=1)  # refused before handling
    product = make_store_product()
    products.start_sync(product.pk)
    relay()
    assert store_copies(wx_store, product) == []
    row = OutboxMessage.objects.get(kind="store.product_sync")
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    relay()
    assert len(store_copies(wx_store, product)) == 1


def test_past_the_lookup_bound_the_product_fails_for_the_merchant_instead_of_duplicating(wx_store, settings):
    settings.STORE_ADD_LOOKUP_MAX = 30
    listed = [
        {"out_product_id": f"x{n}", "skus": [{"out_sku_id": f"x{n}", "sale_price": 100, "stock": 1}]}
        for n in range(40)
    ]
    wx_store.control("POST", "store/products/bulk", json={"products": listed})
    product = make_store_product()
    sp = products.start_sync(product.pk)
    StoreProduct.objects.filter(pk=sp.pk).update(add_started_at=sp.updated_at)  # an add whose answer was lost
    relay()
    sp.refresh_from_db()
    assert sp.state == SyncState.FAILED and "核对" in sp.reason
    assert OutboxMessage.objects.get(kind="store.product_sync").status == OutboxStatus.DEAD
    assert calls(wx_store, PRODUCT_ADD) == 0
