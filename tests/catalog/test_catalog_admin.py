"""Django admin for the catalogue: who gets in, list/delist actions, min_price upkeep and stock edits
that never overwrite units sold while the form was open."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from wxmall.catalog import stock
from wxmall.catalog.models import SKU, Product
from wxmall.catalog.queries import search_products
from wxmall.catalog.testing import make_staff

ADMIN_PAGES = [
    "admin:catalog_product_changelist",
    "admin:catalog_product_add",
    "admin:catalog_sku_changelist",
    "admin:catalog_category_changelist",
    "admin:catalog_category_add",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_pages_load_for_staff(boss_client, shelf, name):
    response = boss_client.get(reverse(name))
    assert response.status_code == 200


def test_change_pages_and_filters_load(boss_client, shelf):
    assert (
        boss_client.get(reverse("admin:catalog_product_change", args=[shelf.zenbook.pk])).status_code == 200
    )
    sku = SKU.objects.get(code="ZEN-U5")
    assert boss_client.get(reverse("admin:catalog_sku_change", args=[sku.pk])).status_code == 200
    changelist = reverse("admin:catalog_product_changelist")
    page = boss_client.get(
        changelist, {"brand": "华硕", "is_listed__exact": "1", "q": "灵耀"}
    ).content.decode()
    assert "华硕灵耀 14" in page and "联想拯救者" not in page
    low = boss_client.get(reverse("admin:catalog_sku_changelist"), {"stock_level": "low"}).content.decode()
    assert "ZEN-U5" in low and "ZEN-U7" not in low
    sold_out = boss_client.get(
        reverse("admin:catalog_sku_changelist"), {"stock_level": "sold_out"}
    ).content.decode()
    assert "Y9000P-32" in sold_out and "Y9000P-16" not in sold_out


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_customers_and_anonymous_are_sent_to_login(client, shelf, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(get_user_model().objects.create_user("buyer"))
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_rights_follow_model_permissions(client, shelf):
    client.force_login(make_staff("view_product"))
    assert client.get(reverse("admin:catalog_product_changelist")).status_code == 200
    assert client.get(reverse("admin:catalog_product_add")).status_code == 403
    assert client.get(reverse("admin:catalog_sku_changelist")).status_code == 403
    # A viewer may not run the 上架/下架 action either.
    response = client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "delist_products", "_selected_action": [shelf.zenbook.pk]},
    )
    shelf.zenbook.refresh_from_db()
    assert shelf.zenbook.is_listed
    assert response.status_code in (200, 302, 403)


def test_list_and_delist_actions(boss_client, shelf):
    url = reverse("admin:catalog_product_changelist")
    response = boss_client.post(
        url,
        {"action": "delist_products", "_selected_action": [shelf.zenbook.pk, shelf.legion.pk]},
        follow=True,
    )
    assert "已下架 2 个商品" in response.content.decode()
    assert not Product.objects.filter(pk__in=[shelf.zenbook.pk, shelf.legion.pk], is_listed=True).exists()
    response = boss_client.post(
        url,
        {"action": "list_products", "_selected_action": [shelf.zenbook.pk, shelf.delisted.pk]},
        follow=True,
    )
    assert "已上架 2 个商品" in response.content.decode()
    assert Product.objects.get(pk=shelf.delisted.pk).is_listed


def _form_data(html: str) -> dict:
    """The values an admin change form would post back, read from its rendered inputs."""
    data = {}
    for tag in re.findall(r"<(?:input|textarea|select)[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag or 'type="checkbox"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', html):
        data[name] = "on"
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body.strip().replace("&quot;", '"')
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    return data


def test_sku_form_price_change_refreshes_min_price(boss_client, shelf):
    sku = SKU.objects.get(code="ZEN-U5")
    url = reverse("admin:catalog_sku_change", args=[sku.pk])
    data = _form_data(boss_client.get(url).content.decode())
    data["price"] = "5499"  # typed in yuan
    response = boss_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Product.objects.get(pk=shelf.zenbook.pk).min_price == 549_900


def test_stock_edit_is_applied_as_a_delta_from_what_was_shown(boss_client, shelf):
    sku = SKU.objects.get(code="ZEN-U7")  # stock 10
    url = reverse("admin:catalog_sku_change", args=[sku.pk])
    data = _form_data(boss_client.get(url).content.decode())
    assert data["initial-stock"] == "10"
    assert stock.take(sku.pk, 3)  # sold while the form was open
    data["stock"] = "15"  # a delivery of 5 arrived
    assert boss_client.post(url, data).status_code == 302
    sku.refresh_from_db()
    assert sku.stock == 12  # 10 - 3 sold + 5 received, not 15


def test_stock_decrease_below_zero_is_refused(boss_client, shelf):
    sku = SKU.objects.get(code="ZEN-U5")  # stock 3
    url = reverse("admin:catalog_sku_change", args=[sku.pk])
    data = _form_data(boss_client.get(url).content.decode())
    assert stock.take(sku.pk, 3)  # all sold meanwhile
    data["stock"] = "1"  # "I counted two fewer"
    response = boss_client.post(url, data, follow=True)
    assert "未修改库存" in response.content.decode()
    sku.refresh_from_db()
    assert sku.stock == 0


def test_list_editable_stock_uses_the_same_rule(boss_client, shelf):
    url = reverse("admin:catalog_sku_changelist")
    html = boss_client.get(url, {"q": "ZEN-U7"}).content.decode()
    data = _form_data(html)
    assert data["form-0-stock"] == data["initial-form-0-stock"] == "10"
    sku = SKU.objects.get(code="ZEN-U7")
    assert stock.take(sku.pk, 4)
    data["form-0-stock"] = "10"  # unchanged by the person: the sale must survive the save
    data["form-0-is_active"] = "on"
    data["_save"] = "保存"
    assert boss_client.post(url + "?q=ZEN-U7", data).status_code == 302
    sku.refresh_from_db()
    assert sku.stock == 6


def test_product_inline_save_refreshes_min_price_and_keeps_stock(boss_client, shelf):
    url = reverse("admin:catalog_product_change", args=[shelf.legion.pk])
    data = _form_data(boss_client.get(url).content.decode())
    cheapest = next(k for k, v in data.items() if k.endswith("-code") and v == "Y9000P-16")
    prefix = cheapest[: -len("code")]
    data[prefix + "price"] = "12000"  # the ¥9999 variant now costs more than the ¥10599 one
    assert stock.take(SKU.objects.get(code="Y9000P-16").pk, 2)
    response = boss_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Product.objects.get(pk=shelf.legion.pk).min_price == 1_059_900
    assert SKU.objects.get(code="Y9000P-16").stock == 8  # 10 - 2 sold; the form's 10 did not overwrite it


def test_adding_a_product_with_skus_in_one_form(boss_client, shelf):
    data = _form_data(boss_client.get(reverse("admin:catalog_product_add")).content.decode())
    data.update(
        {
            "category": str(shelf.gaming.pk),
            "title": "新到货游戏本",
            "brand": "机械革命",
            "sort_order": "0",
            "specs": '{"屏幕": "16 英寸 2.5K 240Hz"}',
            "images": "[]",
            "is_listed": "on",
            "skus-TOTAL_FORMS": "2",
            "skus-INITIAL_FORMS": "0",
            "skus-0-code": "NEW-1",
            "skus-0-cpu": "锐龙 9 7945HX",
            "skus-0-price": "6499",
            "skus-0-list_price": "0",
            "skus-0-stock": "5",
            "skus-0-extra_specs": '{"显卡": "RTX 4060 8GB"}',
            "skus-0-is_active": "on",
            "skus-1-code": "NEW-2",
            "skus-1-cpu": "锐龙 9 7945HX",
            "skus-1-price": "7,799.00",
            "skus-1-list_price": "0",
            "skus-1-stock": "0",
            "skus-1-extra_specs": '{"显卡": "RTX 4070 8GB"}',
            "skus-1-is_active": "on",
        }
    )
    data.pop("slug", None)
    response = boss_client.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    product = Product.objects.get(title="新到货游戏本")
    assert product.slug is None  # optional, and several unnamed products do not collide
    assert product.min_price == 649_900
    assert [s.stock for s in product.skus.order_by("code")] == [5, 0]
    assert len(product.images) == 2  # drawn pictures filled in
    assert "RTX 4070 8GB" in product.search_text
    assert [p.title for p in search_products(q="RTX 4070").items] == ["新到货游戏本"]
