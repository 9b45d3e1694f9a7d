import pytest

PC = ["10000111", "10000113", "6091"]


@pytest.fixture
def wx_store(db, settings, wxsandbox):
    """The hub wired to wxsandbox's WeChat Store with the shop connected (the store tests' fixture)."""
    from store.conftest import wx_store as store_wx_store

    return store_wx_store.__wrapped__(db, settings, wxsandbox)


@pytest.fixture
def on_store(wx_store):
    """A product synced to the sandbox's Store (category mapped, audit passed); its StoreSku."""
    from wxmall.core.relay import relay
    from wxmall.store.actions import binding, products
    from wxmall.store.models import StoreSku
    from wxmall.store.testing import make_store_product

    product = make_store_product(mapped=False, brand="自有", skus=[{"price": 399_900, "stock": 20}])
    binding.map_category(product.category_id, PC, "台式机")
    products.start_sync(product.pk)
    relay()
    return StoreSku.objects.select_related("store_product", "sku__product").get(sku__product=product)


@pytest.fixture
def pushing_store(settings, live_server, wxsandbox_factory, wxsandbox_base_config):
    """A wxsandbox Store that pushes its events to the hub's receiver (a live server)."""
    from store.test_push_e2e import pushing_store as store_pushing_store

    return store_pushing_store.__wrapped__(settings, live_server, wxsandbox_factory, wxsandbox_base_config)
