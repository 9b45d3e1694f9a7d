"""The merchant's done-when journey for fulfilment and after-sales in a real browser (Debian's Chromium):
staff ship a paid order with a courier and tracking number, the customer sees the parcel and asks for a
refund with a reason, and staff approve it at the after-sales desk; the refund goes out once through
payments. Each console page is screenshotted at 1280 px and checked for Chinese text and no overflow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.payments.models import Refund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/wxmall-shots/fulfilment")
CJK = re.compile(r"[\u4e00-\u9fff]")


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
    text = page.locator("body").inner_text()
    assert len(CJK.findall(text)) > 20, f"{name}: too little Chinese text"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name}: overflows"


def test_staff_ship_a_paid_order_and_approve_its_refund(browser, live_server, paid_order, customer, desk):
    desk_context = context_for(browser, live_server, desk, viewport={"width": 1280, "height": 900})
    shop_context = context_for(browser, live_server, customer, viewport={"width": 390, "height": 844})
    try:
        staff = desk_context.new_page()
        staff.goto(f"{live_server.url}/console/fulfilment/")
        expect(staff.locator("main")).to_contain_text(paid_order.order_no)
        checked(staff, "1-awaiting")
        staff.locator("main table").get_by_role("link", name="发货", exact=True).first.click()
        expect(staff.locator("#order-status")).to_have_text("待发货")
        staff.locator("#courier").select_option(label="顺丰速运")
        staff.locator("#tracking-no").fill("SF1234567890")
        checked(staff, "2-ship-form")
        staff.locator("#ship").click()
        expect(staff.locator(".flash")).to_contain_text("已发货：顺丰速运 SF1234567890")
        expect(staff.locator("#order-status")).to_have_text("已发货")
        checked(staff, "3-shipped")
        assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.SHIPPED

        shop = shop_context.new_page()
        shop.goto(f"{live_server.url}/orders/{paid_order.order_no}/")
        expect(shop.locator("[aria-label=物流]")).to_contain_text("SF1234567890")
        expect(shop.locator("[aria-label=物流]")).to_contain_text("顺丰速运")
        shop.locator("#refund-reason").select_option(label="商品质量问题")
        shop.locator("#refund-description").fill("屏幕有坏点")
        shop.locator("#refund-request").click()
        expect(shop.locator("#order-status")).to_have_text("退款中")
        expect(shop.locator("[aria-label=售后] .aftersale-status")).to_have_text("待商家处理")

        staff.goto(f"{live_server.url}/console/aftersales/")
        expect(staff.locator("main")).to_contain_text(paid_order.order_no)
        checked(staff, "4-desk")
        staff.locator("main table").get_by_role("link", name="处理").first.click()
        expect(staff.locator("#aftersale-status")).to_have_text("待商家处理")
        checked(staff, "5-request")
        staff.locator("#approve").click()
        expect(staff.locator(".flash")).to_contain_text("已提交退款")
        expect(staff.locator("#approve")).to_have_count(0)  # decided: no second approval to click
        checked(staff, "6-approved")
        assert Refund.objects.get().amount == paid_order.total

        shop.reload()
        expect(shop.locator("[aria-label=售后] .aftersale-status")).to_have_text("退款处理中")
    finally:
        desk_context.close()
        shop_context.close()
