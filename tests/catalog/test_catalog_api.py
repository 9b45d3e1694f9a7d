"""The catalogue JSON API at /api/catalog: shapes, status codes and error bodies."""

import pytest
from defusedxml import ElementTree

from wxmall.catalog.images import image_urls
from wxmall.catalog.models import SKU, Product
from wxmall.catalog.testing import make_product

API = "/api/catalog"


def get(client, path, params=None, status=200):
    response = client.get(API + path, params or {})
    assert response.status_code == status, response.content
    return response.json() if response["Content-Type"].startswith("application/json") else response


def test_category_tree(client, shelf):
    tree = get(client, "/categories")
    assert [(n["slug"], n["product_count"]) for n in tree] == [("laptops", 2), ("monitors", 1)]
    assert [c["name"] for c in tree[0]["children"]] == ["游戏本", "轻薄本"]
    assert tree[0]["children"][0]["children"] == []


def test_product_list_card_shape(client, shelf):
    body = get(client, "/products", {"category": "ultrabooks"})
    assert (body["total"], body["page"], body["pages"], body["page_size"]) == (1, 1, 1, 20)
    assert "facets" not in body or body["facets"] is None
    card = body["items"][0]
    assert card == {
        "id": shelf.zenbook.pk,
        "title": "华硕灵耀 14",
        "subtitle": "1.2kg 轻薄 OLED",
        "brand": "华硕",
        "category": {"id": shelf.thin.pk, "name": "轻薄本", "slug": "ultrabooks"},
        "cover": "",
        "price": 599_900,
        "price_display": "¥5999.00",
        "list_price": 0,
        "list_price_display": "",
        "sales_count": 900,
        "in_stock": True,
        "sku_count": 2,
    }


def test_product_list_filters_sort_and_repeated_params(client, shelf):
    # "笔记本" is the name of the laptops' parent category only.
    body = get(client, "/products?memory=16GB&memory=32GB&sort=price_desc&q=%E7%AC%94%E8%AE%B0%E6%9C%AC")
    assert [i["title"] for i in body["items"]] == ["联想拯救者 Y9000P 2024", "华硕灵耀 14"]
    body = get(client, "/products?memory=16GB&sort=price_asc")
    assert [i["title"] for i in body["items"]] == ["华硕灵耀 14", "联想拯救者 Y9000P 2024"]
    body = get(client, "/products", {"cpu": "酷睿 Ultra 5 125H", "memory": "32GB"})
    assert body["items"] == []


def test_facets_are_counted_over_the_scope_not_the_chosen_chips(client, shelf):
    body = get(client, "/products", {"category": "laptops", "memory": "32GB", "facets": "true"})
    memory = {f["value"]: f["count"] for f in body["facets"]["memory"]}
    assert memory == {"16GB": 2, "32GB": 2}
    assert {f["value"] for f in body["facets"]["brand"]} == {"联想", "华硕"}


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"min_price": "abc"}, 400, "invalid_filter"),
        ({"max_price": "99999999999999999999999"}, 400, "invalid_filter"),
        ({"min_price": "900", "max_price": "100"}, 400, "invalid_filter"),
        ({"sort": "hack"}, 400, "invalid_filter"),
        ({"page": "0"}, 400, "invalid_filter"),
        ({"page_size": "1000"}, 400, "invalid_filter"),
        ({"facets": "maybe"}, 400, "invalid_request"),
        ({"category": "does-not-exist"}, 404, "category_not_found"),
    ],
)
def test_bad_filters_answer_code_and_message(client, shelf, params, status, code):
    body = get(client, "/products", params, status=status)
    assert body["code"] == code
    assert body["message"]


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE catalog_sku; --",
        "<img src=x onerror=alert(1)>",
        "%_%",
        "💻" * 300,
        "游戏本\x00",
        "x" * 5000,
    ],
)
def test_hostile_keywords_through_the_api(client, shelf, q):
    body = get(client, "/products", {"q": q})
    assert body["total"] == len(body["items"])
    assert SKU.objects.count() == 8


def test_product_detail(client, shelf):
    SKU.objects.filter(code="ZEN-U7").update(list_price=729_900)
    body = get(client, f"/products/{shelf.zenbook.pk}")
    assert body["title"] == "华硕灵耀 14" and body["description"] == "" and body["images"] == []
    assert [s["code"] for s in body["skus"]] == ["ZEN-U5", "ZEN-U7"]
    u5, u7 = body["skus"]
    assert (u5["price"], u5["price_display"], u5["stock"], u5["stock_status"], u5["stock_label"]) == (
        599_900,
        "¥5999.00",
        3,
        "low",
        "仅剩 3 件",
    )
    assert (u7["list_price"], u7["list_price_display"], u7["stock_status"]) == (
        729_900,
        "¥7299.00",
        "in_stock",
    )
    assert u5["spec_label"] == "酷睿 Ultra 5 125H / 16GB / 512GB / 星河蓝"
    assert [a["key"] for a in body["spec_axes"]] == ["cpu", "memory", "storage", "colour"]


def test_sold_out_skus_are_shown_as_such(client, shelf):
    body = get(client, f"/products/{shelf.legion.pk}")
    assert [(s["code"], s["stock_status"], s["stock_label"]) for s in body["skus"]] == [
        ("Y9000P-16", "in_stock", "有货"),
        ("Y9000P-32", "sold_out", "已售罄"),
    ]


@pytest.mark.parametrize(
    "path", ["/products/999999", "/products/abc", "/products/-1", "/products/1e3", "/products/" + "9" * 30]
)
def test_unknown_product_is_404_with_code(client, shelf, path):
    body = get(client, path, status=404)
    assert body == {"code": "product_not_found", "message": "商品不存在或已下架"}


def test_delisted_product_is_404(client, shelf):
    assert get(client, f"/products/{shelf.delisted.pk}", status=404)["code"] == "product_not_found"


def test_sku_endpoint(client, shelf):
    sku = SKU.objects.get(code="ZEN-U5")
    body = get(client, f"/skus/{sku.pk}")
    assert (body["id"], body["product_id"], body["product_title"], body["is_purchasable"]) == (
        sku.pk,
        shelf.zenbook.pk,
        "华硕灵耀 14",
        True,
    )
    inactive = get(client, f"/skus/{SKU.objects.get(code='OLD-1').pk}")
    assert (inactive["is_active"], inactive["is_purchasable"]) == (False, False)
    assert (
        get(client, f"/skus/{SKU.objects.get(code='HIDDEN-1').pk}", status=404)["code"]
        == "catalog_sku_not_found"
    )
    assert get(client, "/skus/zzz", status=404)["code"] == "catalog_sku_not_found"


def test_product_images_are_safe_svg(client, shelf):
    product = make_product(
        '<script>alert("x")</script> & 键盘 ]]>',
        category=shelf.monitors,
        brand="<b>罗技</b>",
        subtitle="' onload='alert(1)",
        skus=[{"price": 9_900}],
        specs={"<i>接口</i>": "USB & 蓝牙"},
    )
    for url in image_urls(product.pk):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("image/svg+xml")
        assert response["Content-Security-Policy"].startswith("default-src 'none'")
        assert response["X-Content-Type-Options"] == "nosniff"
        root = ElementTree.fromstring(response.content)  # well-formed XML despite the markup in the data
        assert not root.findall(".//{http://www.w3.org/2000/svg}script")
        assert b"<script>" not in response.content and b"<b>" not in response.content
    cover = client.get(image_urls(product.pk)[0]).content.decode()
    assert "&lt;script&gt;" in cover


def test_images_are_deterministic_and_bounded(client, shelf):
    url = image_urls(shelf.zenbook.pk)[0]
    assert client.get(url).content == client.get(url).content
    assert client.get(f"{API}/products/{shelf.zenbook.pk}/images/2.svg").status_code == 404
    assert client.get(f"{API}/products/0/images/0.svg").status_code == 404
    assert client.get(f"{API}/products/{shelf.delisted.pk}/images/0.svg").status_code == 200  # admin shows it


def test_api_writes_nothing(client, shelf):
    before = list(Product.objects.values_list("pk", "min_price", "sales_count", "updated_at"))
    get(client, "/products", {"q": "联想", "facets": "1"})
    get(client, f"/products/{shelf.legion.pk}")
    assert list(Product.objects.values_list("pk", "min_price", "sales_count", "updated_at")) == before


def test_openapi_document_describes_the_catalogue(client, db):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert {
        "/api/catalog/categories",
        "/api/catalog/products",
        "/api/catalog/products/{product_id}",
        "/api/catalog/skus/{sku_id}",
    } <= set(paths)
    params = {p["name"] for p in paths["/api/catalog/products"]["get"]["parameters"]}
    assert {
        "q",
        "category",
        "min_price",
        "max_price",
        "cpu",
        "memory",
        "storage",
        "brand",
        "sort",
        "page",
        "page_size",
        "facets",
    } <= params
