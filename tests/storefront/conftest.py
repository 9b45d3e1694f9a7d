"""Fixtures for the storefront tests: a small computer shop built through the shared factories and the
domain actions (never by writing order rows by hand), and a logged-in page client. Customers and their
address come from the root conftest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from wxmall.catalog.models import SKU
from wxmall.catalog.testing import make_category, make_product
from wxmall.checkout.models import CouponKind
from wxmall.checkout.testing import make_coupon, make_flash_sale

LAPTOP_IMAGE = "/static/storefront/img/laptop.svg"
MONITOR_IMAGE = "/static/storefront/img/monitor.svg"


@pytest.fixture
def shop(db):
    """Two categories under 笔记本电脑, a monitor category, and products whose SKUs differ by CPU,
    memory, storage and colour; one combination sold out, one product entirely sold out."""
    laptops = make_category("笔记本电脑", "laptops", sort_order=1)
    thin = make_category("轻薄本", "thin-laptops", parent=laptops, sort_order=1)
    gaming = make_category("游戏本", "gaming-laptops", parent=laptops, sort_order=2)
    monitors = make_category("显示器", "monitors", sort_order=2)
    thinkpad = make_product(
        "联想 ThinkPad X1 Carbon 2026 轻薄商务笔记本",
        category=thin,
        brand="联想",
        skus=[
            dict(
                code="X1-I5-16-512-B",
                cpu="i5-1345U",
                memory="16GB",
                storage="512GB",
                colour="黑色",
                price=899900,
                list_price=999900,
                stock=20,
            ),
            dict(
                code="X1-I7-32-1T-B",
                cpu="i7-1365U",
                memory="32GB",
                storage="1TB",
                colour="黑色",
                price=1199900,
                list_price=1299900,
                stock=3,
            ),
            dict(
                code="X1-I7-16-512-B",
                cpu="i7-1365U",
                memory="16GB",
                storage="512GB",
                colour="黑色",
                price=1049900,
                stock=0,
            ),
        ],
        subtitle="14 英寸 2.8K OLED · 1.09kg",
        sales_count=500,
        specs={"屏幕": "14 英寸 2.8K OLED", "重量": "1.09kg", "接口": "雷电4 ×2"},
        description="第一段：碳纤维机身。\n\n第二段：全天续航。",
        images=[LAPTOP_IMAGE],
    )
    rog = make_product(
        "华硕 ROG 魔霸 新锐 游戏本",
        category=gaming,
        brand="华硕",
        skus=[
            dict(
                code="ROG-R7-16-1T",
                cpu="R7-7845HX",
                memory="16GB",
                storage="1TB",
                colour="灰色",
                price=999900,
                stock=8,
            ),
            dict(
                code="ROG-R9-32-2T",
                cpu="R9-7945HX",
                memory="32GB",
                storage="2TB",
                colour="灰色",
                price=1399900,
                stock=5,
            ),
        ],
        subtitle="RTX 4070 · 240Hz",
        sales_count=300,
        images=[LAPTOP_IMAGE],
    )
    monitor = make_product(
        "戴尔 U2724D 27 英寸 2K 显示器",
        category=monitors,
        brand="戴尔",
        skus=[dict(code="U2724D", colour="银色", price=249900, stock=30)],
        sales_count=100,
        images=[MONITOR_IMAGE],
    )
    sold_out = make_product(
        "三星 玄龙骑士 G9 带鱼屏",
        category=monitors,
        brand="三星",
        skus=[dict(code="G9-49", colour="白色", price=799900, stock=0)],
        sales_count=10,
        images=[MONITOR_IMAGE],
    )
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
def customer_client(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def coupon(db):
    return make_coupon(
        code="SAVE50",
        name="新人券",
        kind=CouponKind.AMOUNT_OFF,
        value=5000,
        threshold=100000,
        lasts=timedelta(days=8),
    )


@pytest.fixture
def flash_sale(shop):
    return make_flash_sale(
        shop["monitor_sku"],
        title="显示器秒杀",
        price=199900,
        quota=5,
        per_user_limit=1,
        starts_in=-timedelta(hours=1),
        lasts=timedelta(hours=3),
    )
