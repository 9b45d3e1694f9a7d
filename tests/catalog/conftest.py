"""A small shelf for the catalogue tests: laptops (with two subcategories) and monitors, products that
differ by brand, price and SKU specs, plus the ones a customer must never see."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from wxmall.catalog.testing import make_category, make_product


@pytest.fixture
def shelf(db):
    laptops = make_category("笔记本电脑", "laptops", sort_order=1)
    gaming = make_category("游戏本", "gaming-laptops", parent=laptops, sort_order=2)
    thin = make_category("轻薄本", "ultrabooks", parent=laptops, sort_order=3)
    monitors = make_category("显示器", "monitors", sort_order=4)
    retired = make_category("停用分类", "retired", is_active=False, sort_order=5)

    legion = make_product(
        "联想拯救者 Y9000P 2024",
        category=gaming,
        brand="联想",
        subtitle="i9 · 2.5K 240Hz 电竞屏",
        sales_count=500,
        sort_order=1,
        skus=[
            {
                "code": "Y9000P-16",
                "cpu": "酷睿 i9-14900HX",
                "memory": "16GB",
                "storage": "1TB",
                "price": 999_900,
            },
            {
                "code": "Y9000P-32",
                "cpu": "酷睿 i9-14900HX",
                "memory": "32GB",
                "storage": "1TB",
                "price": 1_059_900,
                "stock": 0,
            },
        ],
    )
    zenbook = make_product(
        "华硕灵耀 14",
        category=thin,
        brand="华硕",
        subtitle="1.2kg 轻薄 OLED",
        sales_count=900,
        sort_order=2,
        skus=[
            {
                "code": "ZEN-U5",
                "cpu": "酷睿 Ultra 5 125H",
                "memory": "16GB",
                "storage": "512GB",
                "price": 599_900,
                "colour": "星河蓝",
                "stock": 3,
            },
            {
                "code": "ZEN-U7",
                "cpu": "酷睿 Ultra 7 155H",
                "memory": "32GB",
                "storage": "1TB",
                "price": 679_900,
                "colour": "雪域白",
            },
        ],
    )
    monitor = make_product(
        "戴尔 U2724D 显示器",
        category=monitors,
        brand="戴尔",
        sales_count=100,
        sort_order=3,
        skus=[{"code": "U2724D", "price": 319_900, "extra_specs": {"尺寸": "27 英寸"}}],
    )
    delisted = make_product(
        "隐藏的游戏本",
        category=gaming,
        brand="联想",
        is_listed=False,
        skus=[{"code": "HIDDEN-1", "cpu": "酷睿 i7-14650HX", "price": 500_000}],
    )
    discontinued = make_product(
        "停售笔记本",
        category=thin,
        brand="惠普",
        skus=[{"code": "OLD-1", "cpu": "奔腾 G4560", "price": 200_000, "is_active": False}],
    )
    in_retired = make_product(
        "旧分类里的商品", category=retired, brand="小米", skus=[{"code": "RET-1", "price": 9_900}]
    )
    return SimpleNamespace(
        laptops=laptops,
        gaming=gaming,
        thin=thin,
        monitors=monitors,
        retired=retired,
        legion=legion,
        zenbook=zenbook,
        monitor=monitor,
        delisted=delisted,
        discontinued=discontinued,
        in_retired=in_retired,
    )


@pytest.fixture
def boss(db):
    return get_user_model().objects.create_superuser("boss", password=None)  # tests log in with force_login


@pytest.fixture
def boss_client(client, boss):
    client.force_login(boss)
    return client
