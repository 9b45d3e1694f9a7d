"""The console's product editor: who may use it, the spec matrix, money typed in yuan, bulk edits, and
every refusal writing nothing."""

import json

import pytest
from django.urls import reverse

from wxmall.catalog.events import stock_changed
from wxmall.catalog.models import SKU, Product
from wxmall.catalog.testing import make_staff

HOSTILE = '<script>alert("x")</script>'


def _rows(*rows):
    return json.dumps(list(rows), ensure_ascii=False)


def _laptop_post(shelf, **overrides):
    data = {
        "title": "ThinkPad X1 Carbon 2025",
        "subtitle": "轻至 1.08kg",
        "brand": "联想",
        "category": shelf.laptops.pk,
        "slug": "x1-carbon-2025",
        "is_listed": "on",
        "sort_order": "0",
        "description": f"<p>商务旗舰</p>{HOSTILE}<img src=x onerror=alert(1)>",
        "spec_sheet": "屏幕：14 英寸 2.8K OLED\n重量: 1.08kg",
        "image_list": json.dumps(["/media/catalog/products/a.jpg"]),
        "sku_matrix": _rows(
            {
                "specs": {"处理器": "Ultra 7", "内存": "32GB", "颜色": "黑"},
                "code": "X1-7-32",
                "price": "12,999",
                "stock": "5",
            },
            {
                "specs": {"处理器": "Ultra 7", "内存": "64GB", "颜色": "黑"},
                "code": "X1-7-64",
                "price": "14999.5",
                "stock": "3",
            },
            {
                "specs": {"处理器": "Ultra 5", "内存": "32GB", "颜色": "黑"},
                "code": "X1-5-32",
                "price": "¥10999",
                "list_price": "11999",
                "stock": "0",
            },
        ),
    }
    data.update(overrides)
    return data


@pytest.fixture
def laptops(shelf):
    return shelf


def test_only_staff_with_catalog_permissions_reach_the_editor(client, shelf):
    url = reverse("console:products")
    assert client.get(url).status_code == 302  # anonymous: to the login page

    client.force_login(make_staff())
    assert client.get(url).status_code == 403
    client.force_login(make_staff("view_product"))
    assert client.get(url).status_code == 200
    assert client.get(reverse("console:product_edit", args=[shelf.zenbook.pk])).status_code == 403
    assert client.get(reverse("console:product_create")).status_code == 403
    response = client.post(reverse("console:products_bulk"), {"action": "delist", "ids": [shelf.zenbook.pk]})
    assert response.status_code == 403
    assert Product.objects.get(pk=shelf.zenbook.pk).is_listed

    client.force_login(make_staff("view_product", "change_product"))
    assert client.get(reverse("console:product_edit", args=[shelf.zenbook.pk])).status_code == 200
    assert client.get(reverse("console:product_import")).status_code == 403  # import creates: add_product


def test_list_searches_filters_and_escapes(boss_client, shelf):
    Product.objects.filter(pk=shelf.monitor.pk).update(title=f"显示器 {HOSTILE}")
    page = boss_client.get(reverse("console:products"), {"q": "ZEN-U7"}).content.decode()
    assert shelf.zenbook.title in page and shelf.legion.title not in page
    page = boss_client.get(reverse("console:products"), {"category": shelf.laptops.pk}).content.decode()
    assert shelf.legion.title in page and "&lt;script&gt;" not in page  # subcategories count, monitors do not
    page = boss_client.get(reverse("console:products"), {"listed": "no"}).content.decode()
    assert shelf.delisted.title in page and shelf.zenbook.title not in page
    page = boss_client.get(reverse("console:products")).content.decode()
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "¥" in page and "(分)" not in page


def test_create_a_laptop_with_three_skus(boss_client, laptops):
    seen = []
    stock_changed.connect(
        lambda sender, **kw: seen.append((kw["sku_id"], kw["delta"])), weak=False, dispatch_uid="t"
    )
    try:
        response = boss_client.post(reverse("console:product_create"), _laptop_post(laptops))
    finally:
        stock_changed.disconnect(dispatch_uid="t")
    assert response.status_code == 302, response.content.decode()[:3000]
    product = Product.objects.get(slug="x1-carbon-2025")
    skus = {s.code: s for s in product.skus.all()}
    assert {code: (s.price, s.stock) for code, s in skus.items()} == {
        "X1-7-32": (1_299_900, 5),
        "X1-7-64": (1_499_950, 3),
        "X1-5-32": (1_099_900, 0),
    }
    assert skus["X1-5-32"].list_price == 1_199_900
    assert (skus["X1-7-32"].cpu, skus["X1-7-32"].memory, skus["X1-7-32"].colour) == ("Ultra 7", "32GB", "黑")
    assert product.min_price == 1_099_900
    assert product.specs == {"屏幕": "14 英寸 2.8K OLED", "重量": "1.08kg"}
    assert product.images == ["/media/catalog/products/a.jpg"]
    assert "<script" not in product.description and "onerror" not in product.description
    assert "<p>商务旗舰</p>" in product.description
    # Stock went through catalog.stock, so the Store's stock sync heard of it.
    assert sorted(d for _, d in seen) == [3, 5]


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("-100", "金额不能为负数"),
        ("abc", "请输入金额"),
        ("99.999", "最多保留两位小数"),
        ("20000000", "不能超过"),
        ("0", "不能低于"),
    ],
)
def test_bad_prices_are_refused_and_nothing_is_written(boss_client, laptops, price, message):
    rows = json.loads(_laptop_post(laptops)["sku_matrix"])
    rows[1]["price"] = price
    before = (Product.objects.count(), SKU.objects.count())
    response = boss_client.post(
        reverse("console:product_create"), _laptop_post(laptops, sku_matrix=_rows(*rows))
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "第 2 个 SKU：售价" in page and message in page
    assert (Product.objects.count(), SKU.objects.count()) == before


def test_duplicate_combinations_and_codes_are_refused(boss_client, laptops):
    rows = json.loads(_laptop_post(laptops)["sku_matrix"])
    rows[2]["specs"] = dict(rows[0]["specs"])
    rows[1]["code"] = rows[0]["code"]
    before = SKU.objects.count()
    response = boss_client.post(
        reverse("console:product_create"), _laptop_post(laptops, sku_matrix=_rows(*rows))
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "第 3 个 SKU与第 1 个 SKU的规格组合重复：Ultra 7 / 32GB / 黑" in page.replace("&quot;", '"')
    assert "SKU 编码重复：X1-7-32" in page
    assert SKU.objects.count() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sku_matrix", "not json", "规格表格式不正确"),
        ("sku_matrix", "[]", "请至少添加一个 SKU"),
        ("sku_matrix", _rows({"specs": {}, "code": "A B", "price": "1", "stock": "-1"}), "不能含空格"),
        ("sku_matrix", _rows({"specs": ["x"], "code": "A", "price": "1"}), "规格格式不正确"),
        ("sku_matrix", _rows({"specs": {}, "code": "A", "price": {"fen": 1}}), "请输入金额"),
        ("sku_matrix", "[1, 2]", "规格表格式不正确"),
        ("image_list", json.dumps(["javascript:alert(1)"]), "图片地址无效"),
        ("spec_sheet", "只有名称没有值", "应写成“名称：值”"),
    ],
)
def test_malformed_editor_input_is_refused(boss_client, laptops, field, value, message):
    response = boss_client.post(reverse("console:product_create"), _laptop_post(laptops, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Product.objects.filter(slug="x1-carbon-2025").exists()


def test_code_of_another_product_is_refused(boss_client, laptops):
    rows = json.loads(_laptop_post(laptops)["sku_matrix"])
    rows[0]["code"] = "ZEN-U5"
    response = boss_client.post(
        reverse("console:product_create"), _laptop_post(laptops, sku_matrix=_rows(*rows))
    )
    assert response.status_code == 400
    assert "已被其他商品使用：ZEN-U5" in response.content.decode()
    assert "<h1>新建商品</h1>" in response.content.decode()  # the rolled-back product is not shown as saved
    assert not Product.objects.filter(slug="x1-carbon-2025").exists()


def test_edit_moves_stock_by_the_difference_and_stops_skus_left_out(boss_client, shelf):
    url = reverse("console:product_edit", args=[shelf.zenbook.pk])
    page = boss_client.get(url).content.decode()
    assert "规格与 SKU" in page
    u5, u7 = SKU.objects.get(code="ZEN-U5"), SKU.objects.get(code="ZEN-U7")
    shown = u5.stock
    SKU.objects.filter(pk=u5.pk).update(stock=shown - 2)  # two sold while the page was open
    rows = [
        {
            "id": u5.pk,
            "specs": {"处理器": u5.cpu, "内存": u5.memory},
            "code": u5.code,
            "price": "5,999.00",
            "stock": str(shown + 10),
            "stock_shown": str(shown),
        },
    ]
    data = {
        "title": shelf.zenbook.title,
        "brand": "华硕",
        "category": shelf.zenbook.category_id,
        "sort_order": "0",
        "spec_sheet": "",
        "image_list": "[]",
        "sku_matrix": _rows(*rows),
        "description": "",
    }
    response = boss_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    u5.refresh_from_db()
    u7.refresh_from_db()
    assert u5.stock == shown - 2 + 10  # the sale is not undone
    assert u5.price == 599_900
    assert not u7.is_active  # left out of the matrix: stopped, not deleted (orders point at it)
    assert Product.objects.get(pk=shelf.zenbook.pk).images  # drawn pictures when none uploaded


def test_bulk_listing_price_and_stock(boss_client, shelf):
    url = reverse("console:products_bulk")
    ids = [shelf.zenbook.pk, shelf.legion.pk]
    boss_client.post(url, {"action": "delist", "ids": ids})
    assert not Product.objects.filter(pk__in=ids, is_listed=True).exists()

    boss_client.post(url, {"action": "price_set", "ids": [shelf.zenbook.pk], "value": "4,999"})
    assert set(SKU.objects.filter(product=shelf.zenbook, is_active=True).values_list("price", flat=True)) == {
        499_900
    }
    assert Product.objects.get(pk=shelf.zenbook.pk).min_price == 499_900

    boss_client.post(url, {"action": "price_change", "ids": [shelf.zenbook.pk], "value": "-100.50"})
    assert set(SKU.objects.filter(product=shelf.zenbook).values_list("price", flat=True)) == {489_850}

    before = list(SKU.objects.order_by("pk").values_list("price", "stock"))
    for value in ("-5000", "abc", "-1.234", "9999999"):
        response = boss_client.post(url, {"action": "price_change", "ids": ids, "value": value}, follow=True)
        assert "批量操作未执行" in response.content.decode()
    for action, value in (
        ("stock_change", "1.5"),
        ("stock_change", "0"),
        ("price_set", "-1"),
        ("bogus", "1"),
    ):
        response = boss_client.post(url, {"action": action, "ids": ids, "value": value}, follow=True)
        assert "批量操作未执行" in response.content.decode()
    response = boss_client.post(url, {"action": "price_set", "value": "1"}, follow=True)
    assert "请先勾选商品" in response.content.decode()
    assert list(SKU.objects.order_by("pk").values_list("price", "stock")) == before

    legion_stock = dict(SKU.objects.filter(product=shelf.legion, is_active=True).values_list("code", "stock"))
    response = boss_client.post(
        url, {"action": "stock_change", "ids": [shelf.legion.pk], "value": "-1"}, follow=True
    )
    after = dict(SKU.objects.filter(product=shelf.legion, is_active=True).values_list("code", "stock"))
    for code, was in legion_stock.items():
        assert after[code] == (was - 1 if was else 0)  # a SKU at 0 is refused, the others move
    if 0 in legion_stock.values():
        assert "库存不足，未减少" in response.content.decode()


def test_price_changes_and_listing_are_audited(boss_client, boss, shelf):
    from wxmall.audit.models import AuditEntry

    url = reverse("console:products_bulk")
    boss_client.post(url, {"action": "delist", "ids": [shelf.zenbook.pk, shelf.delisted.pk]})
    boss_client.post(url, {"action": "price_set", "ids": [shelf.zenbook.pk], "value": "4999"})
    boss_client.post(url, {"action": "price_change", "ids": [shelf.zenbook.pk], "value": "-10000"})  # refused
    entries = list(
        AuditEntry.objects.order_by("id").values_list("action", "target_id", "actor", "summary", "detail")
    )
    assert [(a, t, u) for a, t, u, _, _ in entries] == [
        ("product.delist", str(shelf.zenbook.pk), boss.pk),  # the delisted one did not change: no entry
        ("product.price_change", str(shelf.zenbook.pk), boss.pk),
    ]
    summary, detail = entries[1][3], entries[1][4]
    assert "ZEN-U5" in summary and "→ ¥4,999.00" in summary
    assert {p["code"] for p in detail["prices"]} == {"ZEN-U5", "ZEN-U7"}

    u5 = SKU.objects.get(code="ZEN-U5")
    rows = [
        {"id": u5.pk, "specs": {"处理器": u5.cpu}, "code": u5.code, "price": "5100", "stock": str(u5.stock)}
    ]
    data = {
        "title": shelf.zenbook.title, "category": shelf.zenbook.category_id, "sort_order": "0", "is_listed": "on",
        "spec_sheet": "", "image_list": "[]", "sku_matrix": _rows(*rows), "description": "",
    }  # fmt: skip
    assert boss_client.post(reverse("console:product_edit", args=[shelf.zenbook.pk]), data).status_code == 302
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))[2:]
    assert actions == ["product.list", "product.price_change"]
