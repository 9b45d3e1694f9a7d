"""WeChat login in a real browser: the wxsandbox phone's WeChat browser opens the live hub, OAuth logs the
customer in silently (snsapi_base), then with their profile after consent (snsapi_userinfo), and a paid
order's points show on /me/points/. Chromium's user agent is WeChat's in-app browser's."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from helpers.pay import settle
from wxmall.accounts.models import PointsEntry, User, WeChatIdentity
from wxmall.accounts.testing import make_address
from wxmall.catalog.testing import make_sku
from wxmall.wechat.testing import use_sandbox
from wxsandbox.config import OFFICIAL_ACCOUNT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WECHAT_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0.50"


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", user_agent=WECHAT_UA
    )
    page = context.new_page()
    yield page
    context.close()


def test_customer_logs_in_from_wechat_and_sees_points_of_a_paid_order(
    phone, live_server, settings, wxsandbox
):
    from django.utils import timezone

    from wxmall.checkout.actions import place_order
    from wxmall.orders.actions import mark_paid

    use_sandbox(settings, wxsandbox)
    settings.ALLOWED_HOSTS = ["*"]
    shop = quote(f"{live_server.url}/me/", safe="")
    # The hub refuses to be framed, so the phone opens it in a window of its own (still WeChat's browser).
    with phone.context.expect_page() as opened:
        phone.goto(f"{wxsandbox.base_url}/phone/?user=xiaoming&open={shop}")
    shop_page = opened.value
    # snsapi_base: no consent page, straight to 我的 as a new WeChat customer (no nickname yet).
    expect(shop_page.locator("text=使用微信头像昵称")).to_be_visible(timeout=15_000)
    identity = WeChatIdentity.objects.get()
    oa_appid = wxsandbox.app_of_kind(OFFICIAL_ACCOUNT).appid
    assert identity.openid == wxsandbox.openid("xiaoming", oa_appid) and identity.nickname == ""
    assert User.objects.get().nickname == ""

    shop_page.locator("text=使用微信头像昵称").click()
    shop_page.locator("button.allow").click()  # the sandbox's consent page
    expect(shop_page.locator("h1").first).to_have_text("小明", timeout=15_000)
    user = User.objects.get()
    assert user.nickname == "小明" and WeChatIdentity.objects.count() == 1

    sku = make_sku(price=12_900, stock=5, title="无线鼠标")
    order = place_order(user, items=[(sku.id, 1)], address_id=make_address(user).id)
    mark_paid(order.order_no, "tx-" + order.order_no, timezone.now(), order.total)
    # Points accrue in the worker (outbox destination `points`), as they would after a real payment.
    settle(lambda: PointsEntry.objects.filter(order_no=order.order_no).exists())
    shop_page.goto(f"{live_server.url}/me/points/")
    expect(shop_page.locator("#points-balance")).to_have_text(str(order.total // 100), timeout=15_000)
    expect(shop_page.locator(".points-entry").first).to_contain_text(order.order_no)
