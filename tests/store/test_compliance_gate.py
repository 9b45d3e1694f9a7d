"""The review queue gates the Store sync: copy with a warning stays off wxsandbox's Store until a person
approves it, then the approval alone pushes it; blocked copy never reaches the Store."""

from wxmall.compliance import actions
from wxmall.compliance.models import ReviewItem, ReviewStatus
from wxmall.core.relay import relay
from wxmall.store.actions import binding, products
from wxmall.store.models import StoreProduct, SyncState
from wxmall.store.testing import make_store_product

PC = ["10000111", "10000113", "6091"]


def product_calls(sandbox) -> list[dict]:
    return sandbox.journal(direction="in", path_prefix="/channels/ec/product/", limit=1000)


def start(title):
    product = make_store_product(
        title, mapped=False, brand="自有", skus=[{"price": 399_900, "stock": 20, "memory": "16G"}]
    )
    binding.map_category(product.category_id, PC, "台式机")
    products.start_sync(product.pk)
    relay()
    return product


def test_a_warning_is_held_until_approved_then_pushed(
    wx_store, admin_user, django_capture_on_commit_callbacks
):
    product = start("出厂价 家用办公台式电脑主机")
    sp = StoreProduct.objects.get(product=product)
    assert sp.state == SyncState.BLOCKED and "合规" in sp.reason
    assert not any(c["target"].startswith("/channels/ec/product/add") for c in product_calls(wx_store))
    item = ReviewItem.objects.get(subject="catalog.product", object_id=str(product.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.approve(item.pk, admin_user, item.digest)
    relay()
    sp.refresh_from_db()
    assert sp.store_product_id and sp.state != SyncState.BLOCKED, sp.reason
    assert any(c["target"].startswith("/channels/ec/product/add") for c in product_calls(wx_store))


def test_blocked_copy_never_reaches_the_store(wx_store):
    product = start("全网最低价 家用办公台式电脑主机")
    assert ReviewItem.objects.get(object_id=str(product.pk)).status == ReviewStatus.BLOCKED
    assert StoreProduct.objects.get(product=product).state == SyncState.BLOCKED
    assert not any(c["target"].startswith("/channels/ec/product/add") for c in product_calls(wx_store))


def test_a_restricted_category_is_not_pushed_with_the_reason(store, settings):
    from wxmall.catalog.testing import make_category
    from wxmall.store.models import ShopType, StoreShop

    StoreShop.objects.filter(pk=store.pk).update(shop_type=ShopType.PERSONAL)
    product = make_store_product("坚果礼盒 家庭装")
    product.category = make_category("休闲食品")
    product.save()
    from wxmall.store.testing import make_mapping

    make_mapping(product.category)
    products.start_sync(product.pk)
    assert "个人店不能经营“食品”类目" in products.push(product.pk)["blocked"]
