"""In real browsers (Debian's Chromium): a user on wxsandbox's phone follows the OA, asks a question the
bot answers, then one it hands to a human who answers from the console, and is finally handed to 微信客服,
where a WeCom servicer (the sandbox's control API: WeCom has no phone UI) answers; the console shows it."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from wxmall.core.relay import relay
from wxmall.support import wecom_actions
from wxmall.support.models import WecomCallback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def delivered_and_pulled(sb, answer):
    for delivery_id in answer["delivery_ids"]:
        assert sb.wait_delivery(delivery_id)["status"] == "delivered"
    wecom_actions.pull(WecomCallback.objects.order_by("-id").values_list("event_token", flat=True).first())


@pytest.mark.parametrize("wecom_hub", ["fresh"], indirect=True)
def test_bot_human_and_wecom_from_the_phone_and_the_console(wecom_hub, browser, live_server):
    sb = wecom_hub
    get_user_model().objects.create_user("kefu", password="pw-kefu-123", is_staff=True)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    console = browser.new_context(locale="zh-CN").new_page()
    phone.set_default_timeout(10_000)
    console.set_default_timeout(10_000)
    chat = phone.locator("#messages")

    phone.goto(f"{sb.base_url}/phone/?user=xiaoming")
    expect(phone.locator("body")).to_have_attribute("data-ready", "true")
    phone.click("#follow-button")
    expect(phone.locator("#follow-button")).to_have_text("取消关注")

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

    base = live_server.url.replace("localhost", "127.0.0.1")
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
