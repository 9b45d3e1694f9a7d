"""The Official Account journey in real browsers (Debian's Chromium): a user on wxsandbox's phone follows
the OA, gets the welcome and becomes a member, taps the menu (the click and the tracked link are recorded),
asks a question the bot answers, then one it hands to a human who answers from the console, is handed to
微信客服, where a WeCom servicer (the sandbox's control API: WeCom has no phone UI) answers, and later gets
the payment notification of an order."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from wxmall.accounts.models import WeChatIdentity
from wxmall.accounts.testing import make_address
from wxmall.catalog.testing import make_sku
from wxmall.checkout.actions import place_order
from wxmall.core.relay import relay
from wxmall.customers.testing import as_owner
from wxmall.marketing import actions as marketing
from wxmall.marketing import buffer
from wxmall.marketing.models import Click
from wxmall.officialaccount import actions
from wxmall.officialaccount.models import FollowerEvent, ReplyRule
from wxmall.orders import actions as orders
from wxmall.support import wecom_actions
from wxmall.support.models import WecomCallback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def delivered_and_pulled(sb, answer):
    for delivery_id in answer["delivery_ids"]:
        assert sb.wait_delivery(delivery_id)["status"] == "delivered"
    wecom_actions.pull(WecomCallback.objects.order_by("-id").values_list("event_token", flat=True).first())


def publish_menu(base: str) -> None:
    """The merchant's menu, published from the console: a click button and a tracked link to the shop."""
    staff = Client()
    staff.force_login(get_user_model().objects.create_user("boss", is_staff=True, is_superuser=True))
    form = {"b0_name": "今日特价", "b0_type": "click", "b0_key": "DEALS",
            "b1_name": "进入商城", "b1_type": "view", "b1_url": f"{base}/"}  # fmt: skip
    assert staff.post("/console/oa/menu/", form).status_code == 302
    assert relay().delivered == 1


@pytest.mark.parametrize("wecom_hub", ["fresh"], indirect=True)
def test_the_official_account_journey_from_the_phone_and_the_console(
    wecom_hub, browser, live_server, settings, tmp_path, monkeypatch
):
    sb = wecom_hub
    base = live_server.url.replace("localhost", "127.0.0.1")
    settings.SITE_URL = base
    settings.REDIS_URL = ""
    settings.MARKETING_CLICK_SPOOL_DIR = str(tmp_path)
    monkeypatch.setattr(buffer, "SETTLE_SECONDS", 0.0)
    ReplyRule.objects.create(
        name="欢迎", trigger="subscribe", text="欢迎关注电脑城！回复问题，机器人 7×24 小时在线"
    )
    publish_menu(base)
    as_owner(get_user_model().objects.create_user("kefu", password="pw-kefu-123", is_staff=True))
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    console = browser.new_context(locale="zh-CN").new_page()
    phone.set_default_timeout(10_000)
    console.set_default_timeout(10_000)
    chat = phone.locator("#messages")

    phone.goto(f"{sb.base_url}/phone/?user=xiaoming")
    expect(phone.locator("body")).to_have_attribute("data-ready", "true")
    phone.click("#follow-button")
    expect(phone.locator("#follow-button")).to_have_text("取消关注")
    expect(chat.locator(".msg.them .bubble", has_text="欢迎关注电脑城")).to_be_visible()
    actions.process_pending()  # the follow, processed after the answer: a member with the OA identity
    oa_appid = sb.app_of_kind("official_account").appid
    customer = WeChatIdentity.objects.get(appid=oa_appid, openid=sb.openid("xiaoming", oa_appid)).user
    assert FollowerEvent.objects.filter(kind="joined").count() == 1

    phone.get_by_role("button", name="今日特价").click()
    phone.get_by_role("button", name="进入商城").click()  # opens the tracked link in the phone's browser
    sb.wait_for(lambda: marketing.flush_clicks() >= 0 and Click.objects.exists(), 10)
    actions.process_pending()
    clicked = set(FollowerEvent.objects.filter(kind="clicked").values_list("detail", flat=True))
    assert "DEALS" in clicked and any("/l/" in d for d in clicked)
    assert Click.objects.get().link.channel == "oa_menu"
    phone.click(".tabbar button[data-tab=chat]")  # back from the phone's browser to the OA chat

    def say(text):
        if phone.locator("#to-keyboard").is_visible():
            phone.click("#to-keyboard")
        phone.fill("#text-input", text)
        phone.click("#send-button")
        expect(chat.locator(".msg.me .bubble", has_text=text)).to_be_visible()

    say("你们一般多久发货")  # the bot answers from the FAQ
    expect(chat.locator(".msg.them .bubble", has_text="24 小时内发货")).to_be_visible()
    say("上次买的东西少了一个螺丝")  # below the bot's confidence: a human
    expect(chat.locator(".msg.them .bubble", has_text="已为您转接人工客服")).to_be_visible()

    console.goto(f"{base}/console/support/")
    console.wait_for_url("**/admin/login/**")
    console.fill("#id_username", "kefu")
    console.fill("#id_password", "pw-kefu-123")
    console.locator("input[type=submit]").click()
    console.wait_for_url(f"{base}/console/support/")
    expect(console.locator("tbody tr").first).to_contain_text("等待人工")
    console.locator("tbody tr a").first.click()
    expect(console.locator("#window")).to_contain_text("还可发送 5 条")
    console.fill("textarea[name=text]", "您好，我是客服小王，请问显示器是什么型号？")
    console.locator("button.primary").click()
    expect(console.locator(".flash li")).to_have_text("已发送")
    assert relay().delivered == 1
    expect(chat.locator(".msg[data-source=custom] .bubble", has_text="我是客服小王")).to_be_visible()
    expect(console.locator("#conversation-state")).to_have_text("人工接待中")

    console.get_by_role("button", name="转企业微信客服").click()
    expect(console.locator(".flash li")).to_contain_text("已转企业微信客服")
    relay()
    link_bubble = chat.locator(".msg[data-source=custom] .bubble", has_text="微信客服")
    expect(link_bubble).to_be_visible()
    link = re.search(r"https://work\.weixin\.qq\.com/kf/\S+", link_bubble.inner_text()).group(0)

    # WeCom has no phone UI: the customer opens the link and the servicer answers through the control API.
    delivered_and_pulled(sb, sb.control("POST", "kf/customer/enter", json={"user": "xiaoming", "url": link}))
    reply = {
        "servicer": "zhangsan",
        "open_kfid": sb.kfid,
        "user": "xiaoming",
        "content": "我是企业微信客服张三",
    }
    delivered_and_pulled(sb, sb.control("POST", "kf/servicer/reply", json=reply))
    console.reload()
    expect(console.locator("#conversation-state")).to_have_text("已转企业微信客服")
    expect(console.locator("#wecom-state")).to_contain_text("人工接待中（接待人员 zhangsan）")
    expect(console.locator("#chat")).to_contain_text("zhangsan：我是企业微信客服张三")
    seen = sb.control("GET", "kf/chat", params={"user": "xiaoming", "open_kfid": sb.kfid})["messages"]
    assert seen[-1]["content"] == "我是企业微信客服张三" and seen[-1]["origin"] == 5

    # Later the customer pays an order: the payment notification reaches the phone as a template message.
    order = place_order(
        customer, items=[(make_sku(price=129900, stock=5).pk, 1)], address_id=make_address(customer).pk
    )
    orders.mark_paid(order.order_no, f"4200{order.pk:024d}", timezone.now(), order.total)
    relay()
    expect(chat.locator(".card-title", has_text="模板消息").last).to_be_visible()
    phone.screenshot(path=str(tmp_path / "phone.png"))
