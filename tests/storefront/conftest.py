"""Fixtures for the storefront tests: a small computer shop built through the models and the domain
actions (never by writing order rows by hand), customers, and logged-in clients."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from wxmall.accounts import actions as accounts
from wxmall.catalog.actions import refresh_all_min_prices
from wxmall.catalog.models import SKU, Category, Product
from wxmall.checkout.models import Coupon, CouponKind, FlashSale

LAPTOP_IMAGE = "/static/storefront/img/laptop.svg"
MONITOR_IMAGE = "/static/storefront/img/monitor.svg"


def make_product(
    category, title, brand, skus, *, subtitle="", sales=0, specs=None, description="", image=LAPTOP_IMAGE
):
    product = Product.objects.create(
        category=category,
        title=title,
        subtitle=subtitle,
        brand=brand,
        sales_count=sales,
        specs=specs or {},
        description=description,
        images=[image],
    )
    for code, fields in skus:
        SKU.objects.create(product=product, code=code, **fields)
    return product


@pytest.fixture
def shop(db):
    """Two categories under 笔记本电脑, a monitor category, and products whose SKUs differ by CPU,
    memory, storage and colour; one combination sold out, one product entirely sold out."""
    laptops = Category.objects.create(name="笔记本电脑", slug="laptops", sort_order=1)
    thin = Category.objects.create(name="轻薄本", slug="thin-laptops", parent=laptops, sort_order=1)
    gaming = Category.objects.create(name="游戏本", slug="gaming-laptops", parent=laptops, sort_order=2)
    monitors = Category.objects.create(name="显示器", slug="monitors", sort_order=2)
    thinkpad = make_product(
        thin,
        "联想 ThinkPad X1 Carbon 2026 轻薄商务笔记本",
        "联想",
        [
            (
                "X1-I5-16-512-B",
                dict(
                    cpu="i5-1345U",
                    memory="16GB",
                    storage="512GB",
                    colour="黑色",
                    price=899900,
                    list_price=999900,
                    stock=20,
                ),
            ),
            (
                "X1-I7-32-1T-B",
                dict(
                    cpu="i7-1365U",
                    memory="32GB",
                    storage="1TB",
                    colour="黑色",
                    price=1199900,
                    list_price=1299900,
                    stock=3,
                ),
            ),
            (
                "X1-I7-16-512-B",
                dict(cpu="i7-1365U", memory="16GB", storage="512GB", colour="黑色", price=1049900, stock=0),
            ),
        ],
        subtitle="14 英寸 2.8K OLED · 1.09kg",
        sales=500,
        specs={"屏幕": "14 英寸 2.8K OLED", "重量": "1.09kg", "接口": "雷电4 ×2"},
        description="第一段：碳纤维机身。\n\n第二段：全天续航。",
    )
    rog = make_product(
        gaming,
        "华硕 ROG 魔霸 新锐 游戏本",
        "华硕",
        [
            (
                "ROG-R7-16-1T",
                dict(cpu="R7-7845HX", memory="16GB", storage="1TB", colour="灰色", price=999900, stock=8),
            ),
            (
                "ROG-R9-32-2T",
                dict(cpu="R9-7945HX", memory="32GB", storage="2TB", colour="灰色", price=1399900, stock=5),
            ),
        ],
        subtitle="RTX 4070 · 240Hz",
        sales=300,
    )
    monitor = make_product(
        monitors,
        "戴尔 U2724D 27 英寸 2K 显示器",
        "戴尔",
        [
            ("U2724D", dict(colour="银色", price=249900, stock=30)),
        ],
        sales=100,
        image=MONITOR_IMAGE,
    )
    sold_out = make_product(
        monitors,
        "三星 玄龙骑士 G9 带鱼屏",
        "三星",
        [
            ("G9-49", dict(colour="白色", price=799900, stock=0)),
        ],
        sales=10,
        image=MONITOR_IMAGE,
    )
    refresh_all_min_prices()
    return {
        "laptops": laptops,
        "thin": thin,
        "gaming": gaming,
        "monitors": monitors,
        "thinkpad": thinkpad,
        "rog": rog,
        "monitor": monitor,
        "sold_out": sold_out,
        "sku": SKU.objects.get(code="X1-I5-16-512-B"),
        "monitor_sku": SKU.objects.get(code="U2724D"),
    }


@pytest.fixture
def customer(django_user_model):
    return django_user_model.objects.create_user(username="alice", nickname="爱丽丝")


@pytest.fixture
def other_customer(django_user_model):
    return django_user_model.objects.create_user(username="bob", nickname="鲍勃")


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def address(customer):
    return accounts.add_address(
        customer,
        recipient="张三",
        phone="13812345678",
        province="广东省",
        city="深圳市",
        district="南山区",
        detail="科技园南路 88 号",
    )


@pytest.fixture
def coupon(db):
    now = timezone.now()
    return Coupon.objects.create(
        code="SAVE50",
        name="新人券",
        kind=CouponKind.AMOUNT_OFF,
        value=5000,
        threshold=100000,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=7),
    )


@pytest.fixture
def flash_sale(shop):
    now = timezone.now()
    return FlashSale.objects.create(
        sku=shop["monitor_sku"],
        title="显示器秒杀",
        price=199900,
        quota=5,
        per_user_limit=1,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
    )
