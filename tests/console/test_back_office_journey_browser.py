"""The back office's done-when journey in a real browser (Debian's Chromium) at 1280 px: the shop owner
creates a laptop with three SKUs and pictures, ships a paid order with a tracking number, approves the
customer's refund, issues a coupon to a segment and reads the sales report. Every console page on the
way is screenshotted and checked for Chinese text and no horizontal overflow."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from aftersales.conftest import paid_order  # noqa: F401  (fixtures, found by name)
from payments.conftest import pay_hub  # noqa: F401
from wxmall.accounts.testing import make_customer
from wxmall.catalog.models import Product
from wxmall.catalog.testing import make_category
from wxmall.checkout.models import CouponGrant
from wxmall.checkout.testing import make_paid_order
from wxmall.core.money import format_yuan
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.payments.models import Refund
from wxmall.reports import queries as report_queries

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/wxmall-shots/back-office")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def eager_worker():
    from wxmall.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def context_for(browser, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", **options)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def checked(page, name: str) -> None:
    """Screenshot the page; it must read in Chinese and fit 1280 px without a horizontal scrollbar."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert len(CJK.findall(page.locator("body").inner_text())) > 20, f"{name}: too little Chinese text"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name}: overflows"


def picture(path: Path, colour) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 800), colour).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_the_merchant_runs_the_shop_from_the_back_office(
    browser,
    live_server,
    settings,
    tmp_path,
    paid_order,  # noqa: F811
    customer,
    eager_worker,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    laptops = make_category("笔记本电脑", "laptops")
    owner = get_user_model().objects.create_superuser("owner", password="pw-owner-123", nickname="店主")
    big_spender = make_customer(nickname="老顾客王先生")
    make_paid_order(big_spender, price=6999_00)
    base = live_server.url
    office = context_for(browser, live_server, owner, viewport={"width": 1280, "height": 900})
    shop = context_for(browser, live_server, customer, viewport={"width": 390, "height": 844})
    problems: list[str] = []
    try:
        page = office.new_page()
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)

        # 1. A laptop with three SKUs and two pictures.
        page.goto(f"{base}/console/products/new/")
        page.fill("#id_title", "华为 MateBook X Pro 2026")
        page.fill("#id_brand", "华为")
        page.select_option("#id_category", str(laptops.pk))
        page.check("#id_is_listed")
        page.set_input_files(
            "#image-input",
            [picture(tmp_path / "a.jpg", (30, 30, 30)), picture(tmp_path / "b.jpg", (200, 200, 200))],
        )
        page.locator("#gallery li").nth(1).wait_for()
        axes = page.locator("#axes .axis")
        axes.nth(0).locator(".values").fill("酷睿 Ultra 9")
        axes.nth(1).locator(".values").fill("16GB，32GB，64GB")
        page.click("#generate")
        rows = page.locator("#matrix tbody tr")
        for n, (code, price) in enumerate([("MBX-16", "9999"), ("MBX-32", "11999"), ("MBX-64", "13999.5")]):
            rows.nth(n).locator("input[name=sku-code]").fill(code)
            rows.nth(n).locator("input[name=sku-price]").fill(price)
            rows.nth(n).locator("input[name=sku-stock]").fill("5")
        checked(page, "1-product-new")
        page.click("#save")
        expect(page.locator(".flash li").first).to_contain_text("已保存商品")
        product = Product.objects.get(title="华为 MateBook X Pro 2026")
        assert product.skus.count() == 3 and len(product.images) == 2

        # 2. Ship the paid order with a tracking number.
        page.goto(f"{base}/console/fulfilment/")
        expect(page.locator("main")).to_contain_text(paid_order.order_no)
        checked(page, "2-awaiting")
        page.locator("main table").get_by_role("link", name="发货", exact=True).first.click()
        page.locator("#courier").select_option(label="顺丰速运")
        page.locator("#tracking-no").fill("SF9876543210")
        page.locator("#ship").click()
        expect(page.locator("#order-status")).to_have_text("已发货")
        checked(page, "3-shipped")

        # 3. The customer asks for a refund; the owner approves it at the after-sales desk.
        phone = shop.new_page()
        phone.goto(f"{base}/orders/{paid_order.order_no}/")
        phone.locator("#refund-reason").select_option(label="商品质量问题")
        phone.locator("#refund-description").fill("键盘有按键失灵")
        phone.locator("#refund-request").click()
        expect(phone.locator("#order-status")).to_have_text("退款中")
        page.goto(f"{base}/console/aftersales/")
        page.locator("main table").get_by_role("link", name="处理").first.click()
        checked(page, "4-refund-request")
        page.locator("#approve").click()
        expect(page.locator(".flash")).to_contain_text("已提交退款")
        checked(page, "5-refund-approved")
        assert Refund.objects.get().amount == paid_order.total

        # 4. A segment of big spenders, and a coupon issued to it.
        page.goto(f"{base}/console/segments/")
        page.fill("#id_name", "消费满五千元")
        page.fill("#id_min_spend", "5000")
        page.get_by_role("button", name="保存分群").click()
        expect(page.locator(".flash")).to_contain_text("已保存分群「消费满五千元」")
        expect(page.locator("main table")).to_contain_text("消费满五千元")
        checked(page, "6-segments")
        page.goto(f"{base}/console/coupons/")
        page.fill("#id_name", "老客回馈券")
        page.select_option("#id_kind", "amount_off")
        page.fill("#id_amount", "200")
        page.fill("#id_threshold", "2000")
        page.fill("#id_starts_at", "2026-01-01T00:00")
        page.fill("#id_ends_at", "2099-01-01T00:00")
        page.get_by_role("button", name="创建优惠券").click()
        expect(page.locator(".flash")).to_contain_text("已创建优惠券「老客回馈券」")
        page.select_option("select[name=coupon]", label="老客回馈券（满 2000.00 元减 200.00 元）")
        page.select_option("select[name=segment]", label="消费满五千元")
        page.get_by_role("button", name="发放", exact=True).click()
        expect(page.locator(".flash")).to_contain_text(
            "已开始向「消费满五千元」的 1 位顾客发放「老客回馈券」"
        )
        page.reload()
        expect(page.locator("main")).to_contain_text("已完成")
        checked(page, "7-coupons")
        assert list(CouponGrant.objects.values_list("user__nickname", flat=True)) == ["老顾客王先生"]

        # 5. The sales report of the last 90 days: today's paid orders (a refund still being paid out
        # counts until it is refunded), drawn by ECharts.
        page.goto(f"{base}/console/reports/")
        today = timezone.localdate()
        figures = report_queries.summary(report_queries.Range(today, today))
        assert figures["gmv"] >= 6999_00
        expect(page.locator("#sum-orders")).to_have_text(str(figures["orders"]))
        expect(page.locator("#sum-gmv")).to_have_text(format_yuan(figures["gmv"]))
        expect(page.locator("#table-top")).to_contain_text("轻薄笔记本 Air 14")
        expect(page.locator("#chart-sales canvas").first).to_be_visible()
        checked(page, "8-report")
        with page.expect_download() as download:
            page.get_by_role("link", name="导出 XLSX").first.click()
        assert download.value.suggested_filename.startswith("report-sales-")

        page.goto(f"{base}/console/audit/")
        expect(page.locator("main")).to_contain_text("coupon.issue_segment")
        checked(page, "9-audit")
        assert Order.objects.get(pk=paid_order.pk).status in (
            OrderStatus.REFUND_REQUESTED,
            OrderStatus.REFUNDED,
        )
        assert problems == []
    finally:
        office.close()
        shop.close()
