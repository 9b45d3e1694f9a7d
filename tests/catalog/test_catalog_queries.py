"""The read side: what customers can see, keyword search, filters, sorting, pages, facets, hostile input."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wxmall.catalog import queries
from wxmall.catalog.actions import refresh_min_price
from wxmall.catalog.models import SKU, Product
from wxmall.catalog.testing import make_product
from wxmall.core.errors import DomainError


def titles(page_or_products):
    items = page_or_products.items if isinstance(page_or_products, queries.Page) else page_or_products
    return [p.title for p in items]


def found(**filters):
    return set(titles(queries.search_products(page_size=60, **filters)))


def error_of(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as info:
        call(*args, **kwargs)
    return info.value


# --- visibility ---------------------------------------------------------------------------------------


def test_listed_products_hide_delisted_and_products_without_an_active_sku(shelf):
    visible = set(queries.listed_products().values_list("title", flat=True))
    assert visible == {"联想拯救者 Y9000P 2024", "华硕灵耀 14", "戴尔 U2724D 显示器", "旧分类里的商品"}


def test_product_detail_has_only_active_skus_cheapest_first(shelf):
    sku = SKU.objects.get(code="ZEN-U7")
    sku.is_active = False
    sku.save()
    product = queries.product_detail(shelf.zenbook.pk)
    assert [s.code for s in product.active_skus] == ["ZEN-U5"]
    assert product.category == shelf.thin


@pytest.mark.parametrize("bad_id", ["99999999", "abc", "", None, "-1", "0", "1.5", "9" * 40, True])
def test_product_detail_refuses_unknown_ids(shelf, bad_id):
    assert error_of(queries.product_detail, bad_id).code == "product_not_found"


def test_product_detail_refuses_delisted_and_discontinued(shelf):
    assert error_of(queries.product_detail, shelf.delisted.pk).status == 404
    assert error_of(queries.product_detail, shelf.discontinued.pk).code == "product_not_found"


def test_sku_detail_and_purchasable_sku(shelf):
    assert queries.sku_detail(SKU.objects.get(code="ZEN-U5").pk).product == shelf.zenbook
    assert queries.purchasable_sku(SKU.objects.get(code="ZEN-U5").pk, 3).code == "ZEN-U5"
    low = error_of(queries.purchasable_sku, SKU.objects.get(code="ZEN-U5").pk, 4)
    assert (low.code, low.status, low.details) == ("catalog_out_of_stock", 409, {"available": 3})
    assert (
        error_of(queries.purchasable_sku, SKU.objects.get(code="Y9000P-32").pk).code == "catalog_out_of_stock"
    )
    # Inactive: still visible (a cart must say why), but not purchasable.
    old = queries.sku_detail(SKU.objects.get(code="OLD-1").pk)
    assert not old.is_active
    assert error_of(queries.purchasable_sku, old.pk).code == "catalog_sku_unavailable"
    assert error_of(queries.sku_detail, SKU.objects.get(code="HIDDEN-1").pk).code == "catalog_sku_not_found"
    assert error_of(queries.sku_detail, "nope").code == "catalog_sku_not_found"


# --- keyword search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("拯救者", {"联想拯救者 Y9000P 2024"}),  # title, Chinese substring
        ("轻薄", {"华硕灵耀 14"}),  # subtitle
        ("戴尔", {"戴尔 U2724D 显示器"}),  # brand
        ("游戏本", {"联想拯救者 Y9000P 2024"}),  # category name
        ("笔记本", {"联想拯救者 Y9000P 2024", "华硕灵耀 14"}),  # a parent category's name
        ("Ultra 7", {"华硕灵耀 14"}),  # SKU cpu
        ("ultra 7", {"华硕灵耀 14"}),  # case-insensitive
        ("雪域白", {"华硕灵耀 14"}),  # SKU colour
        ("1TB", {"联想拯救者 Y9000P 2024", "华硕灵耀 14"}),  # SKU storage
        ("联想 1TB", {"联想拯救者 Y9000P 2024"}),  # every term must match
        ("  华硕   灵耀  ", {"华硕灵耀 14"}),  # whitespace collapsed
        ("u2724d", {"戴尔 U2724D 显示器"}),  # SKU code, any case
        ("27 英寸", {"戴尔 U2724D 显示器"}),  # a SKU's extra_specs value
        ("奔腾", set()),  # only an inactive SKU has it
        ("i7-14650HX", set()),  # only a delisted product has it
        ("", {"联想拯救者 Y9000P 2024", "华硕灵耀 14", "戴尔 U2724D 显示器", "旧分类里的商品"}),
    ],
)
def test_keyword_search(shelf, q, expected):
    assert found(q=q) == expected


HOSTILE = [
    "'; DROP TABLE catalog_product; --",
    "' OR '1'='1",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "%",
    "_",
    "%%__\\",
    "\\",
    "游戏本\x00",
    "\x00",
    "\ud800\udfff\ud800",  # lone surrogates cannot be encoded for any database
    "😀🔥💻",
    "\u202e\u200b反向",
    "a" * 100_000,
    "拯救者" * 5000,
    "x " * 5000,
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_keywords_are_harmless(shelf, q):
    page = queries.search_products(q=q)
    assert page.total == len(page.items) <= 4
    assert Product.objects.count() == 6  # nothing dropped, nothing written


def test_like_wildcards_are_literal(shelf):
    assert found(q="%") == set()
    assert found(q="_") == set()
    make_product("百分百_特价%鼠标", category=shelf.monitors, skus=[{"price": 9_900}])
    assert found(q="_特价%") == {"百分百_特价%鼠标"}


def test_emoji_titles_are_found_by_emoji(shelf):
    make_product("限量版 💻 键盘", category=shelf.monitors, skus=[{"price": 59_900}])
    assert found(q="💻") == {"限量版 💻 键盘"}


def test_clean_text():
    assert queries.clean_text("  a\x00b\tc\n ") == "a b c"
    assert queries.clean_text("x" * 500) == "x" * queries.MAX_QUERY_LENGTH
    assert queries.clean_text("\ud800游戏") == "游戏"
    assert queries.clean_text(None) == ""


# --- filters ------------------------------------------------------------------------------------------


def test_category_filter_includes_every_level_below(shelf):
    assert found(category="laptops") == {"联想拯救者 Y9000P 2024", "华硕灵耀 14"}
    assert found(category="ultrabooks") == {"华硕灵耀 14"}
    assert found(category="monitors", q="华硕") == set()


@pytest.mark.parametrize("slug", ["nope", "retired", "../../etc", "' OR 1=1"])
def test_unknown_or_inactive_category_is_not_found(shelf, slug):
    assert error_of(queries.search_products, category=slug).code == "category_not_found"


def test_price_range_uses_the_lowest_active_price(shelf):
    assert found(min_price=600_000) == {"联想拯救者 Y9000P 2024"}  # its cheapest SKU is ¥9999
    assert found(min_price="599900", max_price="599900") == {"华硕灵耀 14"}
    assert found(max_price=599_900, category="laptops") == {"华硕灵耀 14"}
    assert found(min_price="", max_price=None, category="monitors") == {"戴尔 U2724D 显示器"}


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"min_price": "abc"}, "min_price"),
        ({"min_price": "12元"}, "min_price"),
        ({"min_price": "1.5"}, "min_price"),
        ({"min_price": "1e3"}, "min_price"),
        ({"min_price": -1}, "min_price"),
        ({"max_price": "99999999999999999999"}, "max_price"),
        ({"max_price": 2**31}, "max_price"),
        ({"max_price": True}, "max_price"),
        ({"min_price": 500, "max_price": 100}, "min_price"),
        ({"page": "0"}, "page"),
        ({"page": "-3"}, "page"),
        ({"page": 10**30}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": 10_000}, "page_size"),
        ({"sort": "price; DROP TABLE x"}, "sort"),
    ],
)
def test_bad_numbers_and_sorts_are_refused(shelf, filters, field):
    error = error_of(queries.search_products, **filters)
    assert (error.code, error.status, error.details["field"]) == ("invalid_filter", 400, field)
    assert error.message


def test_spec_filters_must_hold_for_one_sku(shelf):
    # The 灵耀 has an Ultra 5 / 16GB and an Ultra 7 / 32GB, but no Ultra 5 / 32GB.
    assert found(cpu="酷睿 Ultra 5 125H", memory="32GB") == set()
    assert found(cpu="酷睿 Ultra 7 155H", memory="32GB") == {"华硕灵耀 14"}
    assert found(memory="32GB") == {"联想拯救者 Y9000P 2024", "华硕灵耀 14"}


def test_multi_value_filters_mean_any_of_them(shelf):
    assert found(storage=["512GB"]) == {"华硕灵耀 14"}
    assert found(cpu=["酷睿 i9-14900HX", "酷睿 Ultra 5 125H"]) == {"联想拯救者 Y9000P 2024", "华硕灵耀 14"}
    assert found(brand="联想,戴尔") == {"联想拯救者 Y9000P 2024", "戴尔 U2724D 显示器"}
    assert found(brand="华硕，戴尔") == {"华硕灵耀 14", "戴尔 U2724D 显示器"}
    assert found(cpu="奔腾 G4560") == set()  # inactive SKUs do not count


def test_too_many_filter_values_are_refused(shelf):
    assert error_of(queries.search_products, brand=[f"b{i}" for i in range(50)]).code == "invalid_filter"


# --- sorting and pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price_asc", ["旧分类里的商品", "戴尔 U2724D 显示器", "华硕灵耀 14", "联想拯救者 Y9000P 2024"]),
        ("price_desc", ["联想拯救者 Y9000P 2024", "华硕灵耀 14", "戴尔 U2724D 显示器", "旧分类里的商品"]),
        ("sales", ["华硕灵耀 14", "联想拯救者 Y9000P 2024", "戴尔 U2724D 显示器", "旧分类里的商品"]),
        ("default", ["旧分类里的商品", "联想拯救者 Y9000P 2024", "华硕灵耀 14", "戴尔 U2724D 显示器"]),
        ("new", ["旧分类里的商品", "戴尔 U2724D 显示器", "华硕灵耀 14", "联想拯救者 Y9000P 2024"]),
        (None, ["旧分类里的商品", "联想拯救者 Y9000P 2024", "华硕灵耀 14", "戴尔 U2724D 显示器"]),
    ],
)
def test_sorts(shelf, sort, expected):
    assert titles(queries.search_products(sort=sort)) == expected


def test_pages_cover_everything_once(shelf):
    for n in range(7):
        make_product(f"同价鼠标 {n}", category=shelf.monitors, brand="罗技", skus=[{"price": 19_900}])
    seen = []
    first = queries.search_products(q="鼠标", sort="price_asc", page_size=3)
    assert (first.total, first.pages, first.has_next) == (7, 3, True)
    for number in range(1, first.pages + 1):
        page = queries.search_products(q="鼠标", sort="price_asc", page=str(number), page_size="3")
        seen += titles(page)
    assert sorted(seen) == sorted(f"同价鼠标 {n}" for n in range(7))  # ties broken by id: no repeats
    beyond = queries.search_products(q="鼠标", page=9, page_size=3)
    assert (beyond.items, beyond.total, beyond.has_next) == ([], 7, False)


def test_no_query_per_product(shelf):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            page = queries.search_products(category="laptops", page_size=60)
            for product in page.items:
                assert all(s.price for s in product.active_skus)
                assert product.category.name
        return len(ctx.captured_queries)

    before = count_queries()
    for n in range(10):
        make_product(f"批量游戏本 {n}", category=shelf.gaming, skus=[{"price": 700_000}, {"price": 800_000}])
    assert count_queries() == before


# --- facets and categories ----------------------------------------------------------------------------


def test_facets_count_products_and_order_sizes_naturally(shelf):
    make_product(
        "大内存工作站",
        category=shelf.gaming,
        brand="联想",
        skus=[
            {"memory": "128GB", "storage": "4TB", "cpu": "酷睿 i9-14900HX", "price": 2_000_000},
            {"memory": "8GB", "storage": "256GB", "cpu": "酷睿 i9-14900HX", "price": 1_500_000},
        ],
    )
    facets = queries.facets(queries.filtered_products(category="laptops"))
    assert [(f.value, f.count) for f in facets["memory"]] == [
        ("8GB", 1),
        ("16GB", 2),
        ("32GB", 2),
        ("128GB", 1),
    ]
    assert [f.value for f in facets["storage"]] == ["256GB", "512GB", "1TB", "4TB"]
    assert [(f.value, f.count) for f in facets["cpu"]][0] == ("酷睿 i9-14900HX", 2)
    assert [(f.value, f.count) for f in facets["brand"]] == [("联想", 2), ("华硕", 1)]


def test_facets_ignore_inactive_skus_and_hidden_products(shelf):
    facets = queries.facets(queries.listed_products())
    cpus = {f.value for f in facets["cpu"]}
    assert "奔腾 G4560" not in cpus and "酷睿 i7-14650HX" not in cpus
    assert {f.value for f in facets["brand"]} == {"联想", "华硕", "戴尔", "小米"}


def test_category_tree_counts_listed_products_down_the_tree(shelf):
    tree = queries.category_tree()
    assert [n.slug for n in tree] == ["laptops", "monitors"]  # the inactive root is hidden
    laptops = tree[0]
    assert laptops.product_count == 2
    assert [(c.slug, c.product_count) for c in laptops.children] == [("gaming-laptops", 1), ("ultrabooks", 1)]
    assert [c.name for c in queries.category_path(shelf.gaming)] == ["笔记本电脑", "游戏本"]


def test_spec_axes_for_a_variant_picker(shelf):
    axes = queries.spec_axes(queries.product_detail(shelf.zenbook.pk).active_skus)
    assert [(a.key, a.values) for a in axes] == [
        ("cpu", ["酷睿 Ultra 5 125H", "酷睿 Ultra 7 155H"]),
        ("memory", ["16GB", "32GB"]),
        ("storage", ["512GB", "1TB"]),
        ("colour", ["星河蓝", "雪域白"]),
    ]
    monitor_axes = queries.spec_axes(queries.product_detail(shelf.monitor.pk).active_skus)
    assert [(a.key, a.label, a.values) for a in monitor_axes] == [("尺寸", "尺寸", ["27 英寸"])]


def test_stock_bands(settings):
    settings.CATALOG_LOW_STOCK_THRESHOLD = 5
    assert queries.stock_status(0) == ("sold_out", "已售罄")
    assert queries.stock_status(5) == ("low", "仅剩 5 件")
    assert queries.stock_status(6) == ("in_stock", "有货")


# --- min_price upkeep ---------------------------------------------------------------------------------


def test_refresh_min_price_follows_active_sku_prices(shelf):
    product = shelf.zenbook
    assert product.min_price == 599_900
    SKU.objects.filter(code="ZEN-U5").update(is_active=False)
    refresh_min_price(product.pk)
    product.refresh_from_db()
    assert product.min_price == 679_900
    SKU.objects.filter(code="ZEN-U7").update(price=650_000)
    refresh_min_price(product.pk)
    product.refresh_from_db()
    assert product.min_price == 650_000
    SKU.objects.filter(product=product).update(is_active=False)
    refresh_min_price(product.pk)
    product.refresh_from_db()
    assert product.min_price == 0
    assert "华硕灵耀 14" not in found()  # no active SKU: not listed any more
