"""Home, category and search lists, and the product page, through the Django test client."""

import json
import re

import pytest
from django.urls import reverse

from wxmall.catalog.models import SKU, Product
from wxmall.catalog.testing import make_product

pytestmark = pytest.mark.django_db


def test_home_shows_categories_flash_sales_and_products(client, shop, flash_sale):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "笔记本电脑" in html and "显示器" in html  # category shortcuts (top level)
    assert "显示器秒杀" in html and "¥1,999.00" in html  # the flash sale at its price
    assert "data-countdown" in html
    assert "联想 ThinkPad X1 Carbon" in html and "¥8,999.00" in html  # product grid, price from fen
    assert "首页" in html and "购物车" in html and "我的" in html  # bottom tab bar


def test_home_with_an_empty_shop_renders(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "商品正在上架中" in response.content.decode()


def test_category_index_lists_the_tree(client, shop):
    html = client.get("/category/").content.decode()
    assert "轻薄本" in html and "游戏本" in html


def test_category_page_includes_subcategories_and_facets(client, shop):
    response = client.get("/category/laptops/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "ThinkPad" in html and "ROG" in html and "戴尔" not in html.split("全部商品")[-1].split("grid")[-1]
    assert "共 2 件商品" in html
    for facet in ("i7-1365U", "R9-7945HX", "32GB", "2TB", "华硕"):
        assert facet in html


def test_unknown_category_is_a_404_page(client, shop):
    response = client.get("/category/no-such-thing/")
    assert response.status_code == 404
    assert "分类不存在" in response.content.decode()


def test_filters_by_brand_cpu_and_price_range(client, shop):
    assert "共 1 件商品" in client.get("/category/laptops/?brand=华硕").content.decode()
    html = client.get("/search/?cpu=i7-1365U").content.decode()
    assert "ThinkPad" in html and "ROG" not in html
    # Price range in yuan: only the monitor (¥2,499) is between 2,000 and 3,000.
    html = client.get("/search/?min_price=2000&max_price=3000").content.decode()
    assert "共 1 件商品" in html and "U2724D" in html
    # A range typed the wrong way round is understood.
    assert "共 1 件商品" in client.get("/search/?min_price=3000&max_price=2000").content.decode()


def test_sort_by_price(client, shop):
    html = client.get("/search/?sort=price_asc").content.decode()
    assert html.index("U2724D") < html.index("ThinkPad") < html.index("ROG")
    html = client.get("/search/?sort=price_desc").content.decode()
    assert html.index("ROG") < html.index("ThinkPad")


def test_pagination_links_keep_filters(client, shop, django_user_model):
    for n in range(25):
        make_product(
            f"测试显示器 {n:02d}",
            category=shop["monitors"],
            brand="测试牌",
            skus=[dict(code=f"T-{n}", price=10000 + n, stock=1)],
        )
    html = client.get("/search/?q=测试显示器&sort=price_asc").content.decode()
    assert "共 25 件商品" in html and "1 / 2" in html
    assert "page=2" in html and "sort=price_asc" in html
    page2 = client.get("/search/?q=测试显示器&sort=price_asc&page=2").content.decode()
    assert "2 / 2" in page2 and "测试显示器 24" in page2 and "测试显示器 00" not in page2


def test_search_empty_state(client, shop):
    response = client.get("/search/?q=不存在的商品")
    assert response.status_code == 200
    assert "没有找到" in response.content.decode()


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "' OR 1=1 --",
        "😀" * 300,
        "%00\x00",
    ],
)
def test_hostile_search_strings_are_escaped_and_harmless(client, shop, hostile):
    response = client.get("/search/", {"q": hostile})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    if "<script>" in hostile:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_bad_filter_values_do_not_break_the_page(client, shop):
    response = client.get("/search/?min_price=abc&page=-3&sort=drop-table")
    assert response.status_code == 200
    assert "价格区间请输入数字" in response.content.decode()


def _queries(url, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url", ["/", "/category/laptops/", "/search/?q=本", "/category/"])
def test_list_pages_do_a_fixed_number_of_queries(client, shop, url, django_assert_max_num_queries):
    """No N+1: 15 more products (30 more SKUs) on the page cost no extra query."""
    before = _queries(url, client)
    for n in range(15):
        make_product(
            f"轻薄本 {n}",
            category=shop["thin"],
            brand="小米",
            skus=[
                dict(code=f"MI-{n}-a", cpu="i5", price=500000, stock=1),
                dict(code=f"MI-{n}-b", cpu="i7", price=600000, stock=1),
            ],
            sales_count=1000 + n,
        )
    assert _queries(url, client) == before
    with django_assert_max_num_queries(16):
        client.get(url)


def test_product_page_offers_a_sku_picker(client, shop):
    product = shop["thinkpad"]
    response = client.get(reverse("storefront:product", args=[product.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "¥8,999.00 – ¥11,999.00" in html  # price range
    assert "屏幕" in html and "14 英寸 2.8K OLED" in html  # spec sheet
    assert "<p>第一段：碳纤维机身。</p>" in html and "<p>第二段：全天续航。</p>" in html
    data = json.loads(
        re.search(r'<script id="sku-data" type="application/json">(.*?)</script>', html).group(1)
    )
    assert {d["specs"]["cpu"] for d in data} == {"i5-1345U", "i7-1365U"}
    sold_out = next(d for d in data if d["stock"] == 0)
    assert sold_out["state"] == "out"
    # Without JavaScript the sold-out SKU is a disabled radio; the cheapest in-stock one is chosen.
    sku = shop["sku"]
    assert re.search(rf'value="{sku.pk}" checked', html)
    zero = SKU.objects.get(code="X1-I7-16-512-B")
    assert re.search(rf'value="{zero.pk}"[^>]*disabled', html)
    assert "加入购物车" in html and "立即购买" in html


def test_sold_out_product_cannot_be_bought(client, shop):
    html = client.get(reverse("storefront:product", args=[shop["sold_out"].pk])).content.decode()
    assert "已售罄" in html


def test_unlisted_or_unknown_product_is_404(client, shop):
    Product.objects.filter(pk=shop["rog"].pk).update(is_listed=False)
    assert client.get(reverse("storefront:product", args=[shop["rog"].pk])).status_code == 404
    response = client.get("/product/999999/")
    assert response.status_code == 404
    assert "商品不存在" in response.content.decode()


def test_product_page_shows_its_flash_sale(client, shop, flash_sale):
    html = client.get(reverse("storefront:product", args=[shop["monitor"].pk])).content.decode()
    assert "立即抢购" in html and "¥1,999.00" in html


def test_the_brand_is_not_said_twice_on_the_product_page(client, db):
    redmi = make_product("小米 Redmi Book Pro 14 2024", brand="小米")
    pro = make_product("Redmi Book Pro 16", brand="小米")
    title = re.search(
        r'<h1 class="pd-title">(.*?)</h1>', client.get(f"/product/{redmi.pk}/").content.decode()
    )
    assert re.sub(r"<[^>]+>", "", title.group(1)).strip() == "小米 Redmi Book Pro 14 2024"
    title = re.search(r'<h1 class="pd-title">(.*?)</h1>', client.get(f"/product/{pro.pk}/").content.decode())
    assert re.sub(r"<[^>]+>", "", title.group(1)).strip() == "小米 Redmi Book Pro 16"  # the badge names it
