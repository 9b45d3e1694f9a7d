"""What the Store API's failures do to the outbox rows that call it: -1 and quotas wait and retry,
40001 refreshes the token once, business refusals dead-letter at once with the reason shown."""

from django.db import transaction

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
