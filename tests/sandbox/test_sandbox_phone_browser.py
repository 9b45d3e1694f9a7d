"""The phone in a real browser (Debian's Chromium through Playwright), against a real sandbox and a real
"hub": a small HTTP server in a thread that is the Official Account's message server (passive replies), the
web pages opened in the phone's WeChat browser (OAuth login, JSAPI payment) and nothing else.

Payments are placed with the ``wechatpayv3`` SDK (public-key mode, gateway pointed at the sandbox) and
checked with its query API, so the phone is exercised the way the hub will use it.
"""

import dataclasses
import html
import json
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from playwright.sync_api import expect
from wechatpayv3 import WeChatPay, WeChatPayType

from helpers.http import HttpReceiver
from wxsandbox.config import OFFICIAL_ACCOUNT, AppConfig
from wxsandbox.mp import xmlmsg

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/var-sandbox-phone/shots")
WELCOME = "欢迎关注沙箱电脑城！回复任意内容试试。"
TODAY = "今日特价：ThinkPad X1 Carbon 立减 800 元"
HOSTILE = '<img src=x onerror="window.__pwned=1">'


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


class Hub:
    """The developer's side: OA message server (POST /wechat), web pages (GET), OAuth code exchange."""

    def __init__(self):
        self.sandbox = None  # set once the sandbox is running (pages link to it)
        self.app = None
        self.pushes = []
        self.pay_pages = {}  # path → getBrandWCPayRequest params
        self.server = HttpReceiver()
        self.server.respond = self.handle
        self.base = self.server.base_url

    def handle(self, request):
        if request.method == "POST":
            fields = xmlmsg.parse(request.body)
            self.pushes.append(fields)
            if fields.get("Content") == "boom":  # the developer's server is broken
                return 500, b"Internal Server Error", {"Content-Type": "text/plain"}
            return 200, self.reply(fields).encode(), {"Content-Type": "application/xml"}
        status, content, headers = self.page(request.path)
        return status, content.encode(), {"Content-Type": "text/html; charset=utf-8", **headers}

    # -- the OA message server ---------------------------------------------------------------------------
    def reply(self, fields):
        kind, event = fields.get("MsgType"), fields.get("Event")
        if kind == "text" and fields["Content"] == "evil":  # a hostile article link
            return self.news(fields, "点我领券", "javascript:window.__pwned=1")
        if kind == "text":
            return self.text(fields, "收到：" + fields["Content"])
        if event == "subscribe":
            return self.text(fields, WELCOME)
        if event == "CLICK" and fields.get("EventKey") == "TODAY":
            return self.text(fields, TODAY)
        if event == "CLICK" and fields.get("EventKey") == "SERVICE":
            return self.news(fields, "售后服务指南", self.base + "/guide")
        return "success"

    @staticmethod
    def news(fields, title, url):
        return xmlmsg.build(
            {
                "ToUserName": fields["FromUserName"],
                "FromUserName": fields["ToUserName"],
                "CreateTime": int(time.time()),
                "MsgType": "news",
                "ArticleCount": 1,
                "Articles": {
                    "item": {
                        "Title": title,
                        "Description": "保修、退换货与上门服务说明",
                        "PicUrl": "",
                        "Url": url,
                    }
                },
            }
        )

    @staticmethod
    def text(fields, content):
        return xmlmsg.build(
            {
                "ToUserName": fields["FromUserName"],
                "FromUserName": fields["ToUserName"],
                "CreateTime": int(time.time()),
                "MsgType": "text",
                "Content": content,
            }
        )

    # -- web pages ---------------------------------------------------------------------------------------
    def page(self, target):
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/guide":
            return 200, "<!doctype html><meta charset=utf-8><h1>售后服务指南</h1>", {}
        if parts.path == "/login":  # the hub's "log in with WeChat": off to the authorize page
            redirect = quote(self.base + "/oauth/callback", safe="")
            location = (
                f"{self.sandbox.base_url}/connect/oauth2/authorize?appid={self.app.appid}"
                f"&redirect_uri={redirect}&response_type=code&scope=snsapi_userinfo&state=s1#wechat_redirect"
            )
            return 302, "", {"Location": location}
        if parts.path == "/oauth/callback":
            return 200, self.oauth_callback(query), {}
        if parts.path in self.pay_pages:
            headers = {"X-Frame-Options": "DENY"} if parts.path.startswith("/strict/") else {}
            return 200, self.pay_page(parts.path.rsplit("/", 1)[-1], self.pay_pages[parts.path]), headers
        return 404, "not found", {}

    def oauth_callback(self, query):
        if "code" not in query:
            return "<!doctype html><meta charset=utf-8><p id=who>用户拒绝了授权</p>"
        with httpx.Client(base_url=self.sandbox.base_url, trust_env=False) as client:
            token = client.get(
                "/sns/oauth2/access_token",
                params={
                    "appid": self.app.appid,
                    "secret": self.app.secret,
                    "code": query["code"],
                    "grant_type": "authorization_code",
                },
            ).json()
            info = client.get(
                "/sns/userinfo",
                params={"access_token": token["access_token"], "openid": token["openid"], "lang": "zh_CN"},
            ).json()
        return (
            f"<!doctype html><meta charset=utf-8><p id=who>你好，{html.escape(info['nickname'])}</p>"
            f"<p id=openid>{html.escape(info['openid'])}</p><p id=state>{html.escape(query['state'])}</p>"
        )

    def pay_page(self, out_trade_no, params):
        return f"""<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>收银台</title>
<script src="{self.sandbox.base_url}/phone/jsbridge.js"></script>
<h1>订单 {out_trade_no}</h1><button id="pay" disabled>立即支付</button><p id="result"></p>
<button id="locate">获取位置</button><p id="other"></p>
<script>
  var params = {json.dumps(params)};
  document.addEventListener("WeixinJSBridgeReady", function () {{ document.getElementById("pay").disabled = false; }});
  document.getElementById("locate").addEventListener("click", function () {{
    WeixinJSBridge.invoke("getLocation", {{}}, function (res) {{
      document.getElementById("other").textContent = res.err_msg;
    }});
  }});
  document.getElementById("pay").addEventListener("click", function () {{
    WeixinJSBridge.invoke("getBrandWCPayRequest", params, function (res) {{
      document.getElementById("result").textContent = res.err_msg;
    }});
  }});
</script></html>"""

    def close(self):
        self.server.close()


@pytest.fixture
def hub():
    h = Hub()
    yield h
    h.close()


@pytest.fixture
def sb(wxsandbox_factory, wxsandbox_base_config, hub):
    apps = tuple(
        dataclasses.replace(a, server_url=hub.base + "/wechat", message_mode="plain")
        if a.kind == OFFICIAL_ACCOUNT
        else a
        for a in wxsandbox_base_config.apps
    )
    handle = wxsandbox_factory(apps=apps)
    hub.sandbox, hub.app = handle, handle.app_of_kind(OFFICIAL_ACCOUNT)
    return handle


def create_menu(sb, hub):
    menu = {
        "button": [
            {"type": "click", "name": "今日特价", "key": "TODAY"},
            {
                "name": "服务",
                "sub_button": [
                    {"type": "click", "name": "联系客服", "key": "SERVICE"},
                    {"type": "view", "name": "微信登录", "url": hub.base + "/login"},
                ],
            },
        ]
    }
    answer = sb.client.post(
        f"/cgi-bin/menu/create?access_token={sb.access_token(hub.app)}",
        content=json.dumps(menu, ensure_ascii=False).encode(),
    ).json()
    assert answer["errcode"] == 0, answer


def wxpay(sb, kind):
    m = sb.merchant
    client = WeChatPay(
        wechatpay_type=kind,
        mchid=m.mchid,
        private_key=m.merchant_private_key_pem,
        cert_serial_no=m.merchant_serial,
        appid=sb.app_of_kind(OFFICIAL_ACCOUNT).appid,
        apiv3_key=m.apiv3_key,
        notify_url="http://127.0.0.1:9/pay/notify",
        public_key=m.platform_public_key_pem,
        public_key_id=m.platform_public_key_id,
    )
    client._core._gate_way = sb.base_url
    return client


def trade_state(client, out_trade_no):
    code, message = client.query(out_trade_no=out_trade_no)
    assert code == 200, message
    return json.loads(message)


def open_phone(page, sb, user="xiaoming"):
    page.set_default_timeout(10_000)
    page.goto(f"{sb.base_url}/phone/?user={user}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def chat(page):
    return page.locator("#messages")


# -- the Official Account chat ------------------------------------------------------------------------------------


def test_follow_send_text_click_menu_and_see_pushed_messages(page, sb, hub):
    open_phone(page, sb)
    expect(page.locator("#oa-name")).to_have_text("沙箱电脑城服务号")
    expect(page.locator("#user-select")).to_have_value("xiaoming")
    expect(page.locator("#menubar")).to_be_hidden()  # no menu yet: the keyboard
    expect(page.locator("#text-form")).to_be_visible()
    create_menu(sb, hub)  # the hub creates its menu while the phone is open
    expect(page.locator("#menubar")).to_be_visible()

    page.click("#follow-button")
    expect(chat(page).locator(".msg.them .bubble", has_text=WELCOME)).to_be_visible()
    expect(page.locator("#follow-button")).to_have_text("取消关注")
    assert hub.pushes[-1]["Event"] == "subscribe"

    # The menu replaced the keyboard: top-level CLICK, then a sub-menu CLICK answered with news.
    expect(page.locator("#menu-buttons > button")).to_have_text(["今日特价", "服务"])
    page.click("#menu-buttons >> text=今日特价")
    expect(chat(page).locator(".bubble", has_text=TODAY)).to_be_visible()
    assert (hub.pushes[-1]["Event"], hub.pushes[-1]["EventKey"]) == ("CLICK", "TODAY")
    page.click("#menu-buttons >> text=服务")
    expect(page.locator("#submenu button")).to_have_text(["联系客服", "微信登录"])
    shot(page, "menu")
    page.click("#submenu >> text=联系客服")
    expect(chat(page).locator(".card .card-title", has_text="售后服务指南")).to_be_visible()
    expect(page.locator("#submenu")).to_be_hidden()

    # Text: the user's bubble on the right, the passive reply on the left.
    page.click("#to-keyboard")
    page.fill("#text-input", "请问 16G 内存的有货吗？")
    page.click("#send-button")
    expect(chat(page).locator(".msg.me .bubble", has_text="请问 16G 内存的有货吗？")).to_be_visible()
    expect(chat(page).locator(".msg.them .bubble", has_text="收到：请问 16G 内存的有货吗？")).to_be_visible()
    assert hub.pushes[-1]["MsgType"] == "text"

    # Hostile text comes back in the reply: shown as text, never parsed.
    page.fill("#text-input", HOSTILE)
    page.click("#send-button")
    expect(chat(page).locator(".msg.them .bubble", has_text="收到：" + HOSTILE)).to_be_visible()
    assert chat(page).locator("img").count() == 0
    assert page.evaluate("window.__pwned") is None
    # A broken message server: WeChat retries, then tells the user the account cannot serve them.
    page.fill("#text-input", "boom")
    page.click("#send-button")
    expect(chat(page).locator("li.notice")).to_have_text("该公众号暂时无法提供服务，请稍后再试")
    assert [p.get("Content") for p in hub.pushes].count("boom") == 4  # the push and its 3 retries
    page.fill("#text-input", "evil")
    page.click("#send-button")
    chat(page).locator(".card", has_text="点我领券").locator(".card-link").click()
    expect(page.locator("#toast")).to_contain_text("无法打开该链接（只支持 http/https 网址）")
    expect(page.locator("#screen-chat")).to_be_visible()
    assert page.evaluate("window.__pwned") is None

    # A news article opens in the WeChat browser.
    chat(page).locator(".card", has_text="售后服务指南").locator(".card-link").click()
    expect(page.locator("#screen-browser")).to_be_visible()
    expect(page.frame_locator("#browser-frame").locator("h1")).to_have_text("售后服务指南")

    # Customer-service and template messages the hub sends meanwhile arrive by polling, with a badge.
    token = sb.access_token(hub.app)
    openid = sb.openid("xiaoming", hub.app.appid)
    sent = sb.client.post(
        f"/cgi-bin/message/custom/send?access_token={token}",
        content=json.dumps(
            {"touser": openid, "msgtype": "text", "text": {"content": "您的订单已发货，顺丰 SF1234567890"}},
            ensure_ascii=False,
        ).encode(),
    ).json()
    assert sent["errcode"] == 0, sent
    sent = sb.client.post(
        f"/cgi-bin/message/template/send?access_token={token}",
        content=json.dumps(
            {
                "touser": openid,
                "template_id": "ORDER_PAID",
                "url": hub.base + "/guide",
                "data": {"thing1": {"value": "联想小新 Pro 16"}, "amount2": {"value": "¥5399.00"}},
            },
            ensure_ascii=False,
        ).encode(),
    ).json()
    assert sent["errcode"] == 0, sent
    expect(page.locator("#chat-badge")).to_have_text("2")
    page.click(".tabbar >> text=公众号")
    expect(page.locator("#chat-badge")).to_be_hidden()
    custom = chat(page).locator(".msg[data-source=custom] .bubble")
    expect(custom).to_contain_text("您的订单已发货，顺丰 SF1234567890")
    expect(custom.locator(".tag")).to_have_text("客服消息")
    template = chat(page).locator(".msg[data-source=template] .card")
    expect(template).to_contain_text("联想小新 Pro 16")
    expect(template).to_contain_text("¥5399.00")
    shot(page, "chat")

    page.click("#follow-button")
    expect(page.locator("#follow-button")).to_have_text("关注")
    # (the template's TEMPLATESENDJOBFINISH event is pushed after a delay, so it may come last)
    assert "unsubscribe" in [push.get("Event") for push in hub.pushes]
    if page.locator("#to-menu").is_visible():
        page.click("#to-menu")
    page.click("#menu-buttons >> text=今日特价")
    expect(page.locator("#toast")).to_have_text("关注公众号后才能使用菜单")


def test_users_are_listed_created_and_switched_with_hostile_nicknames_as_text(page, sb):
    sb.advance_clock(5 * 3600)  # the phone lives in sandbox time, shown in China Standard Time
    open_phone(page, sb)
    now = sb.sandbox.clock.now()
    cst = timezone(timedelta(hours=8))
    expected = {datetime.fromtimestamp(now + d, cst).strftime("%H:%M") for d in (-60, 0, 60)}
    expect(page.locator("#status-time")).to_have_text(re.compile("^(" + "|".join(expected) + ")$"))
    expect(page.locator("#user-select option")).to_have_count(3)
    page.click("#new-user-toggle")
    nasty = '<b onclick="__pwned=1">坏人</b>'
    page.fill("#new-user-nickname", nasty)
    page.click("#new-user-form button[type=submit]")
    expect(page.locator("#user-select option")).to_have_count(4)
    created = page.locator("#user-select").input_value()
    assert sb.sandbox.users.get(created)["nickname"] == nasty
    expect(page.locator("#user-select option:checked")).to_have_text(f"{nasty}（{created}）")
    assert page.locator("b[onclick]").count() == 0 and page.evaluate("window.__pwned") is None
    # Chosen users persist across reloads and are who OAuth pages see.
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#user-select")).to_have_value("xiaoming")  # ?user= in the URL wins
    page.select_option("#user-select", created)
    page.goto(f"{sb.base_url}/phone/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#user-select")).to_have_value(created)
    cookies = {c["name"]: c["value"] for c in page.context.cookies(sb.base_url)}
    assert cookies["wxsandbox_user"] == created


# -- the WeChat browser: OAuth as the chosen user ------------------------------------------------------------------


def test_view_menu_opens_the_hub_and_oauth_knows_who_is_browsing(page, sb, hub):
    create_menu(sb, hub)
    sb.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    open_phone(page, sb)
    page.click("#menu-buttons >> text=服务")
    page.click("#submenu >> text=微信登录")
    expect(page.locator("#screen-browser")).to_be_visible()
    frame = page.frame_locator("#browser-frame")
    expect(frame.locator("h1")).to_contain_text("沙箱电脑城服务号")  # the consent page, served by the sandbox
    expect(frame.locator(".who")).to_contain_text("小明")
    # The sandbox's own pages are same-origin: the phone injects the bridge into them.
    sandbox_frame = page.main_frame.child_frames[0]
    sandbox_frame.wait_for_function("() => typeof window.WeixinJSBridge === 'object'")
    shot(page, "oauth-consent")
    frame.locator("button.allow").click()
    expect(frame.locator("#who")).to_have_text("你好，小明")
    expect(page.locator("#address-input")).to_have_value("")  # the consent page's address is not left on show
    expect(frame.locator("#openid")).to_have_text(sb.openid("xiaoming", hub.app.appid))
    assert hub.pushes[-1]["Event"] == "VIEW" and hub.pushes[-1]["EventKey"] == hub.base + "/login"

    # Another user on the same phone is another WeChat account.
    page.select_option("#user-select", "wangfang")
    page.fill("#address-input", hub.base + "/login")
    page.click("#address-go")
    expect(frame.locator(".who")).to_contain_text("王芳")
    frame.locator("button.deny").click()
    expect(frame.locator("#who")).to_have_text("用户拒绝了授权")
    page.fill("#address-input", hub.base + "/login")
    page.click("#address-go")
    frame.locator("button.allow").click()
    expect(frame.locator("#who")).to_have_text("你好，王芳")
    expect(frame.locator("#openid")).to_have_text(sb.openid("wangfang", hub.app.appid))
    shot(page, "oauth-done")


# -- payments ------------------------------------------------------------------------------------------------------


def test_native_code_url_pasted_in_scan_is_paid_through_the_sheet(page, sb):
    client = wxpay(sb, WeChatPayType.NATIVE)
    code, message = client.pay(
        description="罗技 MX Master 3S 无线鼠标", out_trade_no="PHONENATIVE01", amount={"total": 69900}
    )
    assert code == 200, message
    code_url = json.loads(message)["code_url"]

    open_phone(page, sb, "lihua")
    page.click(".tabbar >> text=扫一扫")
    page.fill("#scan-input", code_url)
    page.click("#scan-button")
    sheet = page.locator("#pay-sheet")
    expect(sheet).to_be_visible()
    expect(page.locator("#sheet-amount")).to_have_text("¥699.00")
    expect(page.locator("#sheet-merchant")).to_have_text(sb.merchant.name)
    expect(page.locator("#sheet-desc")).to_have_text("罗技 MX Master 3S 无线鼠标")
    expect(page.locator("#sheet-payer")).to_have_text("李华")
    shot(page, "native-sheet")
    assert trade_state(client, "PHONENATIVE01")["trade_state"] == "NOTPAY"
    page.click("#sheet-confirm")
    expect(page.locator("#scan-result")).to_have_text("支付成功")
    expect(sheet).to_be_hidden()
    paid = trade_state(client, "PHONENATIVE01")
    assert paid["trade_state"] == "SUCCESS"
    assert paid["payer"]["openid"] == sb.openid("lihua", sb.app_of_kind(OFFICIAL_ACCOUNT).appid)
    assert paid["amount"]["payer_total"] == 69900

    # Scanning it again: the order exists but is paid — the sheet says so and nothing changes.
    page.click("#scan-button")
    expect(sheet).to_be_visible()
    page.click("#sheet-confirm")
    expect(page.locator("#sheet-error")).to_have_text("订单已支付")
    page.click("#sheet-cancel")
    expect(page.locator("#scan-result")).to_have_text("支付失败")

    # A second order, and the user walks away from the cashier.
    code, message = client.pay(description="机械键盘", out_trade_no="PHONENATIVE02", amount={"total": 39900})
    page.fill("#scan-input", json.loads(message)["code_url"])
    page.click("#scan-button")
    expect(page.locator("#sheet-amount")).to_have_text("¥399.00")
    page.click("#sheet-cancel")
    expect(page.locator("#scan-result")).to_have_text("已取消支付")
    assert trade_state(client, "PHONENATIVE02")["trade_state"] == "NOTPAY"

    page.fill("#scan-input", "weixin://wxpay/bizpayurl?pr=nosuchcode")
    page.click("#scan-button")
    expect(page.locator("#scan-result")).to_have_text("支付二维码无效：订单不存在")
    expect(sheet).to_be_hidden()


def jsapi_page(sb, hub, client, out_trade_no, total, user="xiaoming", prefix="/pay/", forge=False):
    appid = sb.app_of_kind(OFFICIAL_ACCOUNT).appid
    code, message = client.pay(
        description="联想小新 Pro 16 笔记本电脑",
        out_trade_no=out_trade_no,
        amount={"total": total},
        payer={"openid": sb.openid(user, appid)},
    )
    assert code == 200, message
    package = "prepay_id=" + json.loads(message)["prepay_id"]
    timestamp, nonce = str(int(time.time())), "n" + out_trade_no
    params = {
        "appId": appid,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": client.sign([appid, timestamp, nonce, package]),
    }
    if forge:
        params["paySign"] = client.sign([appid, timestamp, nonce + "x", package])
    path = prefix + out_trade_no
    hub.pay_pages[path] = params
    return hub.base + path


def go(page, url):
    """Open ``url`` in the phone's browser and wait until the frame shows it (not the previous page)."""
    page.fill("#address-input", url)
    page.click("#address-go")
    expect(page.frame_locator("#browser-frame").locator("h1")).to_have_text("订单 " + url.rsplit("/", 1)[-1])


def test_jsapi_payment_from_a_page_in_the_browser(page, sb, hub):
    client = wxpay(sb, WeChatPayType.JSAPI)
    url = jsapi_page(sb, hub, client, "PHONEJSAPI01", 539900)
    open_phone(page, sb)
    page.click(".tabbar >> text=浏览器")
    go(page, url)
    frame = page.frame_locator("#browser-frame")
    frame.locator("#pay:enabled").click()  # enabled by WeixinJSBridgeReady
    expect(page.locator("#pay-sheet")).to_be_visible()
    expect(page.locator("#sheet-amount")).to_have_text("¥5399.00")
    expect(page.locator("#sheet-payer")).to_have_text("小明")
    shot(page, "jsapi-sheet")
    page.click("#sheet-confirm")
    expect(frame.locator("#result")).to_have_text("get_brand_wcpay_request:ok")
    assert trade_state(client, "PHONEJSAPI01")["trade_state"] == "SUCCESS"
    shot(page, "jsapi-paid")
    frame.locator("#locate").click()  # the bridge answers what the sandbox does not emulate
    expect(frame.locator("#other")).to_have_text("system:function_not_exist")

    # Cancel: the page hears ":cancel" and the order stays unpaid (and waits in the 支付 tab).
    url = jsapi_page(sb, hub, client, "PHONEJSAPI02", 1999)
    go(page, url)
    frame.locator("#pay:enabled").click()
    expect(page.locator("#sheet-amount")).to_have_text("¥19.99")
    page.keyboard.press("Escape")
    expect(frame.locator("#result")).to_have_text("get_brand_wcpay_request:cancel")
    assert trade_state(client, "PHONEJSAPI02")["trade_state"] == "NOTPAY"
    page.click(".tabbar >> text=支付")
    expect(page.locator("#pay-badge")).to_have_text("1")
    order = page.locator(".order")
    expect(order).to_have_count(1)
    expect(order).to_contain_text("¥19.99")
    shot(page, "pending")
    order.locator("text=去支付").click()
    page.click("#sheet-confirm")
    expect(page.locator(".order")).to_have_count(0)
    expect(page.locator("#orders-empty")).to_be_visible()
    assert trade_state(client, "PHONEJSAPI02")["trade_state"] == "SUCCESS"

    # A forged paySign never reaches the sheet.
    url = jsapi_page(sb, hub, client, "PHONEJSAPI03", 100, forge=True)
    page.click(".tabbar >> text=浏览器")
    go(page, url)
    frame.locator("#pay:enabled").click()
    expect(frame.locator("#result")).to_have_text("get_brand_wcpay_request:fail")
    expect(page.locator("#toast")).to_have_text("支付验证签名失败")
    expect(page.locator("#pay-sheet")).to_be_hidden()
    assert trade_state(client, "PHONEJSAPI03")["trade_state"] == "NOTPAY"

    # An order placed for 小明 cannot be paid by 李华 on this phone.
    url = jsapi_page(sb, hub, client, "PHONEJSAPI04", 100)
    page.select_option("#user-select", "lihua")
    go(page, url)
    frame.locator("#pay:enabled").click()
    page.click("#sheet-confirm")
    expect(page.locator("#sheet-error")).to_have_text("该订单需由下单时指定的用户支付")
    page.click("#sheet-cancel")
    expect(frame.locator("#result")).to_have_text("get_brand_wcpay_request:fail")
    assert trade_state(client, "PHONEJSAPI04")["trade_state"] == "NOTPAY"


@pytest.mark.parametrize(
    ("prefix", "host", "note"),
    [
        ("/strict/", "127.0.0.1", "X-Frame-Options: DENY"),  # the page forbids frames (Django's default)
        (
            "/pay/",
            "localhost",
            "跨站点页面在框架中无法保存登录 Cookie",
        ),  # its cookies would be withheld in a frame
    ],
)
def test_pages_that_cannot_live_in_a_frame_open_in_a_window_and_still_pay(page, sb, hub, prefix, host, note):
    client = wxpay(sb, WeChatPayType.JSAPI)
    url = jsapi_page(sb, hub, client, "PHONEWINDOW01", 8800, prefix=prefix).replace("127.0.0.1", host)
    open_phone(page, sb)
    page.click(".tabbar >> text=浏览器")
    page.fill("#address-input", url)
    with page.context.expect_page() as opened:
        page.click("#address-go")
    popup = opened.value
    expect(page.locator("#browser-note")).to_contain_text(note)
    popup.locator("#pay:enabled").click()
    expect(page.locator("#pay-sheet")).to_be_visible()
    expect(page.locator("#sheet-amount")).to_have_text("¥88.00")
    page.click("#sheet-confirm")
    expect(popup.locator("#result")).to_have_text("get_brand_wcpay_request:ok")
    assert trade_state(client, "PHONEWINDOW01")["trade_state"] == "SUCCESS"


def test_jsbridge_outside_the_phone_fails_cleanly(page, sb, hub):
    client = wxpay(sb, WeChatPayType.JSAPI)
    url = jsapi_page(sb, hub, client, "PHONEALONE01", 100)
    page.goto(url)  # a plain browser tab: no phone around it
    page.locator("#pay:enabled").click()
    expect(page.locator("#result")).to_have_text("get_brand_wcpay_request:fail")
    assert trade_state(client, "PHONEALONE01")["trade_state"] == "NOTPAY"


def test_scanning_a_scene_qr_code_follows_the_account(page, sb, hub):
    token = sb.access_token(hub.app)
    qr = sb.client.post(
        f"/cgi-bin/qrcode/create?access_token={token}",
        json={
            "expire_seconds": 600,
            "action_name": "QR_STR_SCENE",
            "action_info": {"scene": {"scene_str": "store-shenzhen"}},
        },
    ).json()
    open_phone(page, sb, "wangfang")
    page.click(".tabbar >> text=扫一扫")
    shot(page, "scan")
    page.fill("#scan-input", qr["url"])
    page.click("#scan-button")
    expect(page.locator("#screen-chat")).to_be_visible()
    expect(chat(page).locator(".bubble", has_text=WELCOME)).to_be_visible()
    expect(page.locator("#follow-button")).to_have_text("取消关注")
    push = hub.pushes[-1]
    assert (push["Event"], push["EventKey"], push["Ticket"]) == (
        "subscribe",
        "qrscene_store-shenzhen",
        qr["ticket"],
    )
    page.click(".tabbar >> text=扫一扫")
    page.fill("#scan-input", qr["ticket"])
    page.click("#scan-button")
    expect(page.locator("#screen-chat")).to_be_visible()
    assert hub.pushes[-1]["Event"] == "SCAN" and hub.pushes[-1]["EventKey"] == "store-shenzhen"


def test_several_official_accounts_each_have_their_own_chat_and_menu(
    page, wxsandbox_factory, wxsandbox_base_config, hub
):
    second = AppConfig(
        appid="wx5a1dbc0x2ndstore", name="沙箱二号店", server_url=hub.base + "/wechat", message_mode="plain"
    )
    apps = tuple(
        dataclasses.replace(a, server_url=hub.base + "/wechat", message_mode="plain")
        if a.kind == OFFICIAL_ACCOUNT
        else a
        for a in wxsandbox_base_config.apps
    ) + (second,)
    sb = wxsandbox_factory(apps=apps)
    hub.sandbox, hub.app = sb, sb.app_of_kind(OFFICIAL_ACCOUNT)
    create_menu(sb, hub)  # only the first account has a menu
    open_phone(page, sb)
    picker = page.locator("#oa-select")
    expect(picker).to_be_visible()
    expect(picker.locator("option")).to_have_text(["沙箱电脑城服务号", "沙箱二号店"])
    expect(page.locator("#menubar")).to_be_visible()
    picker.select_option(second.appid)
    expect(page.locator("#menubar")).to_be_hidden()
    expect(page.locator("#text-form")).to_be_visible()
    page.click("#follow-button")
    expect(chat(page).locator(".bubble", has_text=WELCOME)).to_be_visible()
    assert hub.pushes[-1]["FromUserName"] == sb.openid(
        "xiaoming", second.appid
    )  # the second account's openid
    assert sb.control("GET", "mp/oa/conversation", params={"user": "xiaoming", "appid": second.appid})[
        "following"
    ]
    assert not sb.control("GET", "mp/oa/conversation", params={"user": "xiaoming"})["following"]
    picker.select_option(hub.app.appid)
    expect(page.locator("#follow-button")).to_have_text("关注")
    expect(chat(page).locator(".msg")).to_have_count(0)


def test_jsapi_pages_outside_the_payment_directories_are_refused(
    page, wxsandbox_factory, wxsandbox_base_config, hub
):
    sections = {"phone": {"jsapi_pay_directories": [hub.base + "/pay/"]}}
    sb = wxsandbox_factory(sections=sections)
    hub.sandbox, hub.app = sb, sb.app_of_kind(OFFICIAL_ACCOUNT)
    client = wxpay(sb, WeChatPayType.JSAPI)
    open_phone(page, sb)
    page.click(".tabbar >> text=浏览器")
    frame = page.frame_locator("#browser-frame")

    go(page, jsapi_page(sb, hub, client, "PHONEDIR01", 100, prefix="/shop/"))  # not a payment directory
    frame.locator("#pay:enabled").click()
    expect(frame.locator("#result")).to_have_text("get_brand_wcpay_request:fail")
    expect(page.locator("#toast")).to_have_text(f"当前页面的URL未注册：{hub.base}/shop/PHONEDIR01")
    expect(page.locator("#pay-sheet")).to_be_hidden()

    go(page, jsapi_page(sb, hub, client, "PHONEDIR02", 100))  # /pay/ is registered
    frame.locator("#pay:enabled").click()
    page.click("#sheet-confirm")
    expect(frame.locator("#result")).to_have_text("get_brand_wcpay_request:ok")
    assert trade_state(client, "PHONEDIR01")["trade_state"] == "NOTPAY"
    assert trade_state(client, "PHONEDIR02")["trade_state"] == "SUCCESS"


def test_phone_url_can_open_a_page_directly_but_never_a_script(page, sb, hub):
    page.set_default_timeout(10_000)
    page.goto(f"{sb.base_url}/phone/?user=lihua&open={quote(hub.base + '/guide', safe='')}")
    expect(page.locator("#screen-browser")).to_be_visible()
    expect(page.frame_locator("#browser-frame").locator("h1")).to_have_text("售后服务指南")
    expect(page.locator("#user-select")).to_have_value("lihua")
    page.goto(f"{sb.base_url}/phone/?open={quote('javascript:window.__pwned=1', safe='')}")
    expect(page.locator("#toast")).to_contain_text("无法打开该链接")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#browser-frame").get_attribute("src") == "about:blank"
