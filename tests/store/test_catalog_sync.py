"""Catalogue sync before WeChat is called: coalescing of pending pushes and the refusals that keep a
product off the Store (nothing reaches WeChat: the sandbox journal stays empty)."""

import pytest

from wxmall.catalog import stock
from wxmall.catalog.models import SKU
from wxmall.core.models import OutboxMessage, OutboxStatus
from wxmall.store.actions import products
from wxmall.store.models import ShopType, StoreProduct, StoreShop, SyncState
from wxmall.store.testing import make_store_product, make_synced


@pytest.fixture
def wx(store, settings, wxsandbox):
    """Point the store client at a live sandbox (any call would be journaled there)."""
    settings.WECHAT_API_BASE = wxsandbox.base_url
    return wxsandbox


def store_calls(sandbox) -> list[dict]:
    return sandbox.journal(direction="in", path_prefix="/channels/ec/", limit=1000)


def sync_rows():
    return OutboxMessage.objects.filter(destination="wechat_store", kind="store.product_sync")


def test_changes_while_a_push_waits_fold_into_one_row(store):
    product = make_store_product()
    products.start_sync(product.pk)
    product.title = "家用办公台式电脑主机 i7 32G"
    product.save()
    sku = product.skus.get()
    sku.price = 12_300
    sku.save()
    assert sync_rows().count() == 1
    assert StoreProduct.objects.get().wanted_version == 4


def test_a_change_after_the_push_was_taken_gets_a_new_row(store):
    product = make_store_product()
    products.start_sync(product.pk)
    # The handler takes the row: it advances the generation before reading the product.
    StoreProduct.objects.filter(product=product).update(sync_generation=1)
    product.save()
    assert sync_rows().count() == 2
    assert sorted(sync_rows().values_list("idempotency_key", flat=True)) == [
        f"wechat_store:product:{product.pk}:0",
        f"wechat_store:product:{product.pk}:1",
    ]


def test_products_not_synced_queue_nothing(store):
    product = make_store_product()
    product.save()
    assert not sync_rows().exists()


def test_an_unmapped_category_blocks_the_product_and_nothing_is_pushed(wx):
    product = make_store_product(mapped=False)
    products.start_sync(product.pk)
    assert products.push(product.pk) == {"blocked": "商品分类尚未对应到微信小店类目"}
    sp = StoreProduct.objects.get()
    assert sp.state == SyncState.BLOCKED and "类目" in sp.reason
    assert store_calls(wx) == []


def test_a_personal_shop_may_not_push_a_restricted_category(wx, settings, store):
    settings.STORE_PERSONAL_RESTRICTED_CATEGORIES = ["6091"]
    StoreShop.objects.filter(pk=store.pk).update(shop_type=ShopType.PERSONAL)
    product = make_store_product()
    products.start_sync(product.pk)
    assert "个人店" in products.push(product.pk)["blocked"]
    assert StoreProduct.objects.get().state == SyncState.BLOCKED
    assert store_calls(wx) == []


def test_copy_with_blocking_ad_law_terms_is_not_pushed(wx):
    product = make_store_product("全网最低价 国家级 游戏笔记本电脑")
    products.start_sync(product.pk)
    result = products.push(product.pk)
    assert "合规" in result["blocked"]
    assert StoreProduct.objects.get().reason.startswith("商品文案未通过合规检查")
    assert store_calls(wx) == []


def test_too_few_images_blocks_with_the_reason(wx):
    product = make_store_product(images=["https://img.example.com/a.jpg"])
    products.start_sync(product.pk)
    assert "至少 3 张" in products.push(product.pk)["blocked"]
    assert store_calls(wx) == []


def test_a_push_already_done_is_a_no_op(wx):
    product = make_store_product()
    sp = make_synced(product)
    StoreProduct.objects.filter(pk=sp.pk).update(wanted_version=3, pushed_version=3)
    assert products.push(product.pk)["skipped"] == "up to date"
    assert store_calls(wx) == []


def test_blocked_then_fixed_is_pushed_again(store):
    product = make_store_product(mapped=False)
    products.start_sync(product.pk)
    from wxmall.store.testing import make_mapping

    make_mapping(product.category)
    products.start_sync(product.pk)  # one-click resync
    assert StoreProduct.objects.get().wanted_version > StoreProduct.objects.get().pushed_version


def test_build_spu_speaks_the_reference_shape(store):
    product = make_store_product(
        skus=[{"price": 399_900, "list_price": 459_900, "stock": 20, "memory": "16G"}]
    )
    from wxmall.store.models import CategoryMapping

    spu = products.build_spu(
        product,
        list(product.skus.all()),
        CategoryMapping.objects.get(),
        ["https://mmecimage.cn/p/x/A"] * 3,
        {},
    )
    assert spu["cats_v2"] == [{"cat_id": "10000111"}, {"cat_id": "10000113"}, {"cat_id": "6091"}]
    sku = spu["skus"][0]
    assert (sku["sale_price"], sku["market_price"], sku["stock_num"]) == (399_900, 459_900, 20)
    assert {"attr_key": "内存容量", "attr_value": "16G"} in sku["sku_attrs"]
    assert spu["out_product_id"] == str(product.pk) and spu["brand_id"] == "2100000000"


def test_local_stock_changes_queue_one_stock_push_per_sku(store, django_capture_on_commit_callbacks):
    product = make_store_product()
    make_synced(product)
    sku = product.skus.get()
    from django.db import transaction

    with transaction.atomic():
        stock.take(sku.pk, 1)
        stock.take(sku.pk, 2)
        stock.put_back(sku.pk, 1)
    rows = OutboxMessage.objects.filter(kind="store.stock_sync")
    assert rows.count() == 1 and rows.get().status == OutboxStatus.PENDING


def test_stock_taken_by_a_store_order_is_not_pushed_back(store):
    product = make_store_product()
    make_synced(product)
    from django.db import transaction

    with transaction.atomic():
        stock.take(product.skus.get().pk, 1, origin="wechat_store")
    assert not OutboxMessage.objects.filter(kind="store.stock_sync").exists()
    assert SKU.objects.get().stock == 9
