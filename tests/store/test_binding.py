import threading

import pytest
from django.db import connection
from tests.helpers.db import refused

from wxmall.store.actions import binding
from wxmall.store.models import ChannelsAccount, ShopType, StoreShop


def test_enterprise_shop_binds_up_to_five_channels_accounts(store):
    for n in range(5):
        binding.bind_channels(f"sph{n:06d}abc", f"视频号{n}")
    refused("store_channels_limit", binding.bind_channels, "sph999999abc")
    assert ChannelsAccount.objects.count() == 5
    assert StoreShop.objects.get().channels_count == 5


def test_personal_shop_binds_one(store):
    StoreShop.objects.filter(pk=store.pk).update(shop_type=ShopType.PERSONAL)
    binding.bind_channels("sph000001abc")
    refused("store_channels_limit", binding.bind_channels, "sph000002abc")


def test_limits_are_settings(store, settings):
    settings.STORE_CHANNELS_LIMIT_ENTERPRISE = 2
    binding.bind_channels("sph000001abc")
    binding.bind_channels("sph000002abc")
    refused("store_channels_limit", binding.bind_channels, "sph000003abc")


def test_unbinding_frees_a_place(store):
    StoreShop.objects.filter(pk=store.pk).update(shop_type=ShopType.PERSONAL)
    account = binding.bind_channels("sph000001abc")
    assert binding.unbind_channels(account.pk)
    binding.bind_channels("sph000002abc")
    assert StoreShop.objects.get().channels_count == 1


def test_duplicate_and_malformed_ids_are_refused_without_using_a_place(store):
    binding.bind_channels("sph000001abc")
    refused("store_channels_duplicate", binding.bind_channels, "sph000001abc")
    refused("store_channels_invalid", binding.bind_channels, "<script>alert(1)</script>")
    refused("store_channels_invalid", binding.bind_channels, "gh_123456")
    assert StoreShop.objects.get().channels_count == 1


def test_binding_without_a_connected_shop_is_refused(db, settings):
    from wxmall.store.testing import store_settings

    store_settings(settings)
    refused("store_not_bound", binding.bind_channels, "sph000001abc")


@pytest.mark.django_db(transaction=True)
def test_concurrent_binds_never_exceed_the_limit(settings):
    from wxmall.store.testing import make_shop, store_settings

    store_settings(settings)
    settings.STORE_CHANNELS_LIMIT_ENTERPRISE = 3
    make_shop()
    results: list[str] = []
    lock = threading.Lock()

    def bind(n: int) -> None:
        from wxmall.core.errors import DomainError

        try:
            binding.bind_channels(f"sph{n:06d}abc")
            outcome = "ok"
        except DomainError as exc:
            outcome = exc.code
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=bind, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 3
    assert results.count("store_channels_limit") == 5
    assert ChannelsAccount.objects.count() == 3 == StoreShop.objects.get().channels_count


def test_restricted_category_refused_for_personal_shop(store, settings):
    from wxmall.catalog.testing import make_category

    settings.STORE_PERSONAL_RESTRICTED_CATEGORIES = ["10000200"]
    StoreShop.objects.filter(pk=store.pk).update(shop_type=ShopType.PERSONAL)
    food = make_category("零食")
    refused("store_category_restricted", binding.map_category, food.pk, ["10000200", "10000201"])
    binding.map_category(food.pk, ["10000111", "6091"], "电脑")


def test_enterprise_shop_may_use_restricted_categories(store, settings):
    from wxmall.catalog.testing import make_category

    settings.STORE_PERSONAL_RESTRICTED_CATEGORIES = ["10000200"]
    food = make_category("零食")
    assert binding.map_category(food.pk, ["10000200", "10000201"]).leaf_id == "10000201"
