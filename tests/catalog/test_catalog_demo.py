"""The demo store: its data tables on their own, and `manage.py load_demo` against the database."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Min, Q

from wxmall.catalog import demo_data, stock
from wxmall.catalog.management.commands.load_demo import other_demo_loaders
from wxmall.catalog.models import SKU, Category, Product


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


# --- the tables ---------------------------------------------------------------------------------------


def test_tables_are_consistent():
    slugs = [p.slug for p in demo_data.PRODUCTS]
    assert len(slugs) == len(set(slugs)) >= 60
    category_slugs = {slug for slug, _, _ in demo_data.CATEGORIES}
    assert all(parent is None or parent in category_slugs for _, _, parent in demo_data.CATEGORIES)
    codes = [sku.code for p in demo_data.PRODUCTS for sku in p.skus()]
    assert len(codes) == len(set(codes))
    assert all(len(code) <= 64 for code in codes)
    for product in demo_data.PRODUCTS:
        assert product.category in category_slugs
        skus = product.skus()
        assert len(skus) >= 2, product.slug
        # Variants really differ: no two SKUs of one product share every spec.
        labels = [(s.cpu, s.memory, s.storage, s.colour, tuple(sorted(s.extra_specs.items()))) for s in skus]
        assert len(set(labels)) == len(labels), product.slug
        assert all(s.price > 0 and s.price % 100 == 0 for s in skus)
        assert all(s.list_price == 0 or s.list_price > s.price for s in skus)
        assert len(product.description.split("\n\n")) >= 3
        assert product.specs and product.subtitle and product.brand


def test_tables_are_deterministic():
    first = [(s.code, s.price, s.stock, s.list_price) for p in demo_data.PRODUCTS for s in p.skus()]
    second = [(s.code, s.price, s.stock, s.list_price) for p in demo_data.PRODUCTS for s in p.skus()]
    assert first == second


def test_the_store_covers_the_expected_range():
    brands = {p.brand for p in demo_data.PRODUCTS}
    assert {
        "联想",
        "华为",
        "小米",
        "戴尔",
        "华硕",
        "惠普",
        "苹果",
        "罗技",
        "三星",
        "西部数据",
        "AMD",
        "英特尔",
        "英伟达",
    } <= brands
    roots = [name for _, name, parent in demo_data.CATEGORIES if parent is None]
    assert roots == ["笔记本电脑", "台式机", "显示器", "电脑配件", "外设"]
    stocks = [s.stock for p in demo_data.PRODUCTS for s in p.skus()]
    assert 3 <= stocks.count(0) <= len(stocks) // 5  # a few sold out
    assert sum(1 for s in stocks if 0 < s <= 5) >= 3  # a few nearly gone


# --- the command --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_demo_fills_the_store(monkeypatch):
    monkeypatch.setenv("WXMALL_ADMIN_PASSWORD", "s3cret-for-test")
    out = load_demo()
    assert "admin" in out and "s3cret-for-test" in out

    assert Category.objects.count() == len(demo_data.CATEGORIES)
    assert Category.objects.filter(parent__isnull=False).count() >= 15
    products = Product.objects.annotate(
        n=Count("skus"), cheapest=Min("skus__price", filter=Q(skus__is_active=True))
    )
    assert products.count() >= 60
    for product in products:
        assert product.n >= 2
        assert product.min_price == product.cheapest > 0
        assert product.is_listed and product.slug
        assert len(product.images) == 2 and product.images[0].endswith("/images/0.svg")
        assert product.category.parent is not None  # every product sits in a leaf category
    assert SKU.objects.filter(stock=0).exists() and SKU.objects.filter(stock__gt=0, stock__lte=5).exists()

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.check_password("s3cret-for-test")
    customer = get_user_model().objects.get(username="demo")
    assert not customer.is_staff and customer.has_usable_password()


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_keeps_what_the_shop_changed(client):
    load_demo()
    counts = (
        Category.objects.count(),
        Product.objects.count(),
        SKU.objects.count(),
        get_user_model().objects.count(),
    )
    sku = SKU.objects.get(code="LENOVO-XIAOXIN-PRO-14-01")
    assert stock.take(sku.pk, 1)
    after_sale = SKU.objects.get(pk=sku.pk).stock
    delisted = Product.objects.get(slug="dell-xps-13-9340")
    Product.objects.filter(pk=delisted.pk).update(is_listed=False)
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("changed-by-owner")
    admin.save()

    out = load_demo()
    assert "新建 0 个" in out and "新建 SKU 0 个" in out and "密码未改动" in out
    assert (
        Category.objects.count(),
        Product.objects.count(),
        SKU.objects.count(),
        get_user_model().objects.count(),
    ) == counts
    assert SKU.objects.get(pk=sku.pk).stock == after_sale  # the sale is not undone
    assert not Product.objects.get(pk=delisted.pk).is_listed  # staff's decision stands
    assert get_user_model().objects.get(username="admin").check_password("changed-by-owner")
    assert Counter(SKU.objects.values_list("code", flat=True)).most_common(1)[0][1] == 1


@pytest.mark.django_db
def test_demo_store_is_searchable_and_drawable(client):
    load_demo()
    body = client.get("/api/catalog/products", {"q": "笔记本", "category": "laptops", "page_size": 60}).json()
    assert body["total"] == Product.objects.filter(category__parent__slug="laptops").count() >= 15
    body = client.get("/api/catalog/products", {"q": "RTX 4070", "facets": "1"}).json()
    assert body["total"] >= 3
    product = Product.objects.get(slug="logitech-mx-master-3s")
    for url in product.images:
        response = client.get(url)
        assert response.status_code == 200 and b"MX Master 3S" in response.content


def test_other_apps_plug_their_demo_data_in_by_shipping_a_demo_module():
    labels = [label for label, _ in other_demo_loaders()]
    assert "catalog" not in labels  # the catalogue loads first, by the command itself
    for label in labels:
        module = __import__(f"wxmall.{label}.demo", fromlist=["load"])
        assert callable(module.load)


@pytest.mark.django_db
def test_demo_admin_gets_a_random_password_printed_once(monkeypatch):
    monkeypatch.delenv("WXMALL_ADMIN_PASSWORD", raising=False)
    out = load_demo()
    admin = get_user_model().objects.get(username="admin")
    assert not admin.check_password("admin123")
    printed = re.search(r"用户名 admin，密码 (\S+?)（", out).group(1)
    assert len(printed) >= 12 and admin.check_password(printed)
    again = load_demo()
    assert printed not in again and "密码未改动" in again


@pytest.mark.django_db
def test_load_demo_refuses_outside_the_demo(settings):
    settings.DEMO = False
    with pytest.raises(CommandError, match="WXMALL_DEMO"):
        load_demo()
    assert not get_user_model().objects.exists() and not Product.objects.exists()
