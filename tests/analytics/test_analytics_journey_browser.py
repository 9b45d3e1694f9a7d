"""Done-when journey in a real browser: one shopper comes from a tracked OA-menu link, another from a
live-session link; both sign in, view the product (events sent by track.js with sendBeacon) and buy.
The merchant's dashboard then shows each order under its own channel, with conversion and ARPU, and
the charts are drawn."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders

from helpers.browser import console_login
from wxmall.accounts import actions as accounts
from wxmall.analytics import store
from wxmall.checkout import actions as checkout
from wxmall.customers.testing import as_owner
from wxmall.marketing.models import CustomerTouch
from wxmall.marketing.testing import make_link
from wxmall.orders.actions import transition
from wxmall.orders.models import Order
from wxmall.orders.state import ActorKind, OrderStatus


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the browser's events did not arrive"
        time.sleep(0.1)


def shop_as(browser, base: str, link, nickname: str, sku) -> Order:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/l/{link.code}")  # the tracked link redirects to the product page
    page.wait_for_url(f"**/product/{sku.product_id}/")
    page.goto(f"{base}/login/?next=/product/{sku.product_id}/")
    page.fill("#id_nickname", nickname)
    page.get_by_role("button", name="登录 / 注册").click()
    page.wait_for_url(f"**/product/{sku.product_id}/")
    user = get_user_model().objects.get(nickname=nickname)
    page.goto(f"{base}/cart/")  # leaving the product page sends its events, now signed in
    wait_for(lambda: CustomerTouch.objects.filter(user=user).exists())
    context.close()
    address = accounts.add_address(
        user,
        recipient="张三",
        phone="13812345678",
        province="广东省",
        city="深圳市",
        district="南山区",  # the district must belong to the city (core.regions)
        detail="科技园南路 88 号",
    )
    order = checkout.place_order(user, items=[(sku.pk, 1)], address_id=address.pk)
    return transition(order.pk, OrderStatus.PAID, actor_kind=ActorKind.WECHAT)  # what Pay's notify does


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_two_attributed_buyers_on_the_dashboard(
    browser, page, live_server, sku, settings, tmp_path, csp_violations
):
    settings.ANALYTICS_DIR = str(tmp_path / "analytics")
    base = live_server.url
    product_url = f"{base}/product/{sku.product_id}/"
    menu = make_link(product_url, channel="oa_menu", campaign="双十二", content_id="menu-1")
    live = make_link(product_url, channel="live", campaign="直播节", content_id="live-7")
    first = shop_as(browser, base, menu, "菜单来客", sku)
    second = shop_as(browser, base, live, "直播来客", sku)
    assert (first.channel, second.channel) == ("oa_menu", "live")
    store.flush(settle_seconds=0.0)  # what the beat task does every 2 s

    as_owner(get_user_model().objects.create_user("analyst", password="pw-analyst-1", is_staff=True))
    console_login(page, f"{base}/console/analytics/", "analyst", "pw-analyst-1")
    for channel in ("oa_menu", "live"):
        row = page.locator(f"#channels tr[data-key={channel}]")
        assert row.locator(".uv").inner_text() == "1"
        assert row.locator(".conv-pay").inner_text() == "100.0%"
        assert row.locator(".gmv").inner_text() == f"{sku.price // 100}.{sku.price % 100:02d}"
    assert page.locator("#videos tr[data-key=live-7] .conv-pay").inner_text() == "100.0%"
    cards = page.locator("#overview").inner_text()
    price = f"¥{sku.price // 100}.{sku.price % 100:02d}"
    assert f"ARPU\n{price}" in cards and f"客单价 AOV\n{price}" in cards  # two buyers, two visitors
    if finders.find("echarts/echarts.min.js"):
        for chart in ("daily", "channels", "share", "funnel"):
            page.locator(f"#chart-{chart} canvas").first.wait_for(timeout=10_000)
    assert csp_violations == []
