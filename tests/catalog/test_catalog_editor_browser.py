"""The product editor in a real browser at 1280 px: a merchant creates a laptop with three SKUs and two
pictures (uploaded, then reordered by dragging), a rich-text description and prices typed in yuan."""

import io
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from helpers.browser import console_login
from wxmall.catalog.models import Product
from wxmall.catalog.testing import make_category

SHOTS = Path(os.environ.get("WXMALL_VAR_DIR", "var")) / "shots"
CJK = r"/[\u4e00-\u9fff]/"


def _picture(path: Path, colour) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 900), colour).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _check_layout(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate(f"{CJK}.test(document.body.innerText)"), name
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280, name


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_merchant_creates_a_laptop_with_three_skus_and_two_pictures(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    SHOTS.mkdir(parents=True, exist_ok=True)
    laptops = make_category("笔记本电脑", "laptops")
    get_user_model().objects.create_superuser("owner", password="pw-owner-123")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    base = live_server.url

    console_login(page, f"{base}/console/products/", "owner", "pw-owner-123")
    _check_layout(page, "products-empty")

    page.get_by_role("link", name="＋ 新建商品").click()
    page.wait_for_url("**/console/products/new/")
    page.fill("#id_title", "ThinkPad X1 Carbon Gen 13")
    page.fill("#id_brand", "联想")
    page.select_option("#id_category", str(laptops.pk))
    page.check("#id_is_listed")
    page.set_input_files(
        "#image-input",
        [_picture(tmp_path / "red.jpg", (200, 20, 20)), _picture(tmp_path / "blue.jpg", (20, 20, 200))],
    )
    page.locator("#gallery li").nth(1).wait_for()
    first, second = page.locator("#gallery li img").evaluate_all("imgs => imgs.map(i => i.src)")
    page.locator("#gallery li").nth(1).drag_to(page.locator("#gallery li").nth(0))
    assert page.locator("#gallery li img").evaluate_all("imgs => imgs.map(i => i.src)") == [second, first]

    page.locator("#description-editor .ql-editor").click()
    page.keyboard.type("14 英寸 2.8K OLED 屏，商务旗舰。")
    page.fill("#id_spec_sheet", "屏幕：14 英寸 2.8K OLED\n重量：1.08kg")
    axes = page.locator("#axes .axis")
    axes.nth(0).locator(".values").fill("酷睿 Ultra 7 258V")
    axes.nth(1).locator(".values").fill("16GB，32GB，64GB")
    page.click("#generate")
    rows = page.locator("#matrix tbody tr")
    assert rows.count() == 3
    for n, (code, price, stock) in enumerate(
        [("X1-16", "9999", "5"), ("X1-32", "11,999.00", "3"), ("X1-64", "¥13999.5", "1")]
    ):
        rows.nth(n).locator("input[name=sku-code]").fill(code)
        rows.nth(n).locator("input[name=sku-price]").fill(price)
        rows.nth(n).locator("input[name=sku-stock]").fill(stock)
    _check_layout(page, "product-new")
    page.click("#save")
    page.locator(".flash li").first.wait_for()
    assert "已保存商品" in page.locator(".flash li").first.inner_text()
    _check_layout(page, "product-edit")

    product = Product.objects.get(title="ThinkPad X1 Carbon Gen 13")
    assert sorted(product.skus.values_list("memory", "price", "stock")) == [
        ("16GB", 999_900, 5),
        ("32GB", 1_199_900, 3),
        ("64GB", 1_399_950, 1),
    ]
    assert len(product.images) == 2 and second.endswith(product.images[0].replace(".jpg", "_thumb.jpg"))
    assert "商务旗舰" in product.description and product.specs["重量"] == "1.08kg"
    assert page.locator("#matrix tbody tr").count() == 3  # the saved matrix is shown again

    page.goto(f"{base}/console/products/")
    assert "¥9,999.00" in page.locator("table.products").inner_text()
    _check_layout(page, "products")
    page.goto(f"{base}/admin/catalog/product/")
    assert page.locator(".wx-nav").count() == 1  # the admin carries the console's navigation
    _check_layout(page, "admin-products")
    assert problems == []
    context.close()
