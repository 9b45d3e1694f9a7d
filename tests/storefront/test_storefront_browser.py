"""The whole purchase in a real browser (Debian's Chromium through Playwright) on a 390px-wide phone
viewport: dev login → home → product → pick a SKU → cart → checkout with a new address (cascading region picker) → order placed →
it appears in 我的订单 as 待支付. Each step is saved as a screenshot for a human to look at."""

import os
from pathlib import Path

import pytest

from wxmall.catalog.models import SKU
from wxmall.checkout.models import CartLine
from wxmall.orders.models import Order

SHOTS = Path(os.environ.get("WXMALL_VAR_DIR", "var")) / "shots"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_customer_buys_a_laptop_on_a_phone(page, live_server, shop, coupon, csp_violations):
    SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(name, scroll_to=None):
        """What the phone's screen shows (fixed header and bars in place), optionally scrolled."""
        if scroll_to:
            page.locator(scroll_to).first.evaluate("el => el.scrollIntoView({block: 'start'})")
            page.evaluate("window.scrollBy(0, -60)")  # clear of the sticky header
        page.screenshot(path=str(SHOTS / f"{name}.png"))

    base = live_server.url
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 1. Dev login, then home.
    page.goto(f"{base}/login/?next=/")
    assert page.get_by_text("开发环境登录").first.is_visible()
    page.fill("#id_nickname", "小明")
    shot("01-login")
    page.get_by_role("button", name="登录 / 注册").click()
    page.wait_for_url(f"{base}/")
    assert page.locator(".card").count() == 4
    shot("02-home")

    # 2. Open the ThinkPad.
    page.locator(".card", has_text="ThinkPad").click()
    page.wait_for_url(f"{base}/product/{shop['thinkpad'].pk}/")
    assert page.locator("#chosen-price").inner_text() == "¥8,999.00"
    assert page.locator("#sku-list").is_hidden()  # JavaScript replaced the radio list with the picker
    shot("03-product")

    # 3. Pick the i7. i7 + 16GB is sold out, so the choice moves to the only in-stock i7 (32GB/1TB) and
    #    16GB is shown as sold out in this combination; picking it would switch back to the i5.
    def chosen(dim):
        return page.locator(f'.dim[data-dim="{dim}"] .opt.on').inner_text()

    cpu = page.locator('.dim[data-dim="cpu"] .opt', has_text="i7-1365U")
    assert "combo-out" in cpu.get_attribute("class")
    cpu.click()
    assert (chosen("cpu"), chosen("memory"), chosen("storage")) == ("i7-1365U", "32GB", "1TB")
    assert page.locator("#chosen-price").inner_text() == "¥11,999.00"
    assert page.locator("#chosen-stock").inner_text() == "仅剩 3 件"
    sixteen = page.locator('.dim[data-dim="memory"] .opt', has_text="16GB")
    assert "combo-out" in sixteen.get_attribute("class")
    sixteen.click()
    assert (chosen("cpu"), chosen("memory")) == ("i5-1345U", "16GB")  # never the sold-out i7 + 16GB
    assert page.locator("#chosen-price").inner_text() == "¥8,999.00"
    cpu.click()
    assert page.locator(f'input[name=sku][value="{SKU.objects.get(code="X1-I7-32-1T-B").pk}"]').is_checked()
    page.locator("[data-stepper] button[data-step='1']").click()
    assert page.locator("input[name=quantity]").input_value() == "2"
    shot("04-sku-picked", scroll_to="#picker")

    # 4. Add to the cart.
    page.get_by_role("button", name="加入购物车").click()
    page.wait_for_load_state()
    assert page.get_by_text("已加入购物车").is_visible()
    i7 = SKU.objects.get(code="X1-I7-32-1T-B")
    assert list(CartLine.objects.values_list("sku_id", "quantity")) == [(i7.pk, 2)]

    # 5. The cart, through the tab bar.
    page.locator(".tabbar a", has_text="购物车").click()
    page.wait_for_url(f"{base}/cart/")
    assert page.locator("#cart-subtotal").inner_text() == "¥23,998.00"
    shot("05-cart")

    # 6. Checkout with a new address and the coupon.
    page.get_by_role("link", name="去结算").click()
    page.wait_for_url(f"{base}/checkout/")
    page.locator(".coupon-option", has_text="新人券").click()
    page.wait_for_url("**/checkout/?coupon=SAVE50")
    page.fill("#id_recipient", "王小明")
    page.fill("#id_phone", "13912345678")
    # The region fields are a cascading picker: each choice fills the next list.
    page.locator("select#id_province").select_option("广东省")
    assert "南山区" not in page.locator("#id_district").inner_text()
    page.locator("select#id_city").select_option("深圳市")
    page.locator("select#id_district").select_option("南山区")
    page.fill("#id_detail", "科技园南路 88 号 3 栋 101")
    page.fill("#id_note", "工作日送货")
    assert page.locator(".actionbar .price").inner_text() == "¥23,948.00"
    shot("06-checkout-address")
    shot("07-checkout-amounts", scroll_to="[aria-label=优惠券]")

    # 7. Place the order: the order page, pending payment.
    page.get_by_role("button", name="提交订单").click()
    page.wait_for_url(f"{base}/orders/**")
    order = Order.objects.get()
    assert page.url == f"{base}/orders/{order.order_no}/"
    assert page.locator("#order-status").inner_text() == "待支付"
    assert page.get_by_text("待支付 — 请使用微信支付").is_visible()
    assert (order.total, order.status, order.note) == (2394800, "pending_payment", "工作日送货")
    assert SKU.objects.get(pk=i7.pk).stock == 1
    shot("08-order-placed")
    shot("09-order-timeline", scroll_to="[aria-label=订单进度]")

    # 8. My orders lists it as 待支付.
    page.goto(f"{base}/orders/")
    card = page.locator(f'.order-card[data-order-no="{order.order_no}"]')
    assert card.locator(".status").inner_text() == "待支付"
    shot("10-my-orders")

    assert errors == [] and csp_violations == []  # no JavaScript errors, nothing the CSP had to refuse
