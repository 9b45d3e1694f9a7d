"""Factories for tests that need a bound Store shop, mapped categories and synced products."""

from __future__ import annotations

import itertools

from wxmall.catalog.models import Product
from wxmall.catalog.testing import make_product

from .models import CategoryMapping, ShopType, StoreOrder, StoreProduct, StoreShop, StoreSku, SyncState

_ids = itertools.count(10_000_139_027_835)
STORE_APPID = "wx0123456789abcdef"
PUSH_TOKEN = "wxmallStoreToken"
PUSH_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def store_settings(settings, appid: str = STORE_APPID) -> None:
    """Configure the store app (pytest-django `settings`, undone after the test)."""
    apps = {k: dict(v) for k, v in settings.WECHAT_APPS.items()}
    apps["store"] = {
        **apps.get("store", {}),
        "appid": appid,
        "secret": apps.get("store", {}).get("secret", ""),
    }
    settings.WECHAT_APPS = apps
    settings.WECHAT_STORE_PUSH_TOKEN = PUSH_TOKEN
    settings.WECHAT_STORE_PUSH_AES_KEY = PUSH_AES_KEY


def make_shop(shop_type: str = ShopType.ENTERPRISE, appid: str = STORE_APPID, **fields) -> StoreShop:
    return StoreShop.objects.create(
        appid=appid, shop_type=shop_type, nickname=fields.pop("nickname", "测试小店"), **fields
    )


def make_mapping(category, path: list[str] | None = None) -> CategoryMapping:
    return CategoryMapping.objects.create(
        category=category, store_path=path or ["10000111", "10000113", "6091"]
    )


def make_images(n: int = 3) -> list[str]:
    return [f"https://img.example.com/p/{next(_ids)}.jpg" for _ in range(n)]


def make_store_product(
    title: str = "家用办公台式电脑主机 i5 16G", *, mapped: bool = True, **fields
) -> Product:
    fields.setdefault("images", make_images())
    product = make_product(title, **fields)
    if mapped:
        make_mapping(product.category)
    return product


def make_synced(product: Product, *, state: str = SyncState.LIVE) -> StoreProduct:
    """A product as if already on the Store: Store ids assigned to it and each of its SKUs."""
    sp = StoreProduct.objects.create(
        product=product, store_product_id=str(next(_ids)), state=state, wanted_version=1, pushed_version=1
    )
    for sku in product.skus.all():
        StoreSku.objects.create(sku=sku, store_product=sp, store_sku_id=str(next(_ids)))
    return sp


def make_store_order(shop: StoreShop, user, total: int, *, paid_at=None, status: str = "paid") -> StoreOrder:
    """A Store order already mirrored locally (`total` fen, paid at `paid_at` when given)."""
    from datetime import timedelta

    from django.utils import timezone

    from wxmall.orders.models import Order

    n = next(_ids)
    order = Order.objects.create(
        order_no=f"WS{n}",
        user=user,
        status=status,
        subtotal=total,
        total=total,
        paid_at=paid_at,
        ship_recipient="张三",
        ship_phone="13800000000",
        ship_province="广东省",
        ship_city="深圳市",
        ship_detail="科技园",
        channel="wechat_store",
        expires_at=timezone.now() + timedelta(days=7),
    )
    return StoreOrder.objects.create(store_order_id=str(n), order=order, shop=shop, store_status=20)
