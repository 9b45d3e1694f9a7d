"""wechatpy's API client and OAuth helper, pointed at the sandbox, as an independent peer of the wire format.

wechatpy hard-codes WeChat's hosts; the subclasses below only swap the base URLs, so every request body,
parameter and answer goes through wechatpy's own code, including its automatic token refresh on 40001/42001.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from wechatpy import WeChatClient, WeChatOAuth
from wechatpy.client.api.wxa import WeChatWxa
from wechatpy.exceptions import APILimitedException, WeChatClientException

from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT
from wxsandbox.mp.jssdk import jsapi_signature


def client_for(sb, app):
    class SandboxClient(WeChatClient):
        API_BASE_URL = sb.base_url + "/cgi-bin/"

        def fetch_access_token(self):
            return self._fetch_access_token(
                url=sb.base_url + "/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            )

    return SandboxClient(app.appid, app.secret)


@pytest.fixture
def oa(wxsandbox):
    return wxsandbox.app_of_kind(OFFICIAL_ACCOUNT)


def test_menu_messages_and_followers_through_wechatpy(wxsandbox, oa):
    client = client_for(wxsandbox, oa)
    client.menu.create(
        {
            "button": [
                {"type": "click", "name": "今日推荐", "key": "TODAY"},
                {
                    "name": "服务",
                    "sub_button": [{"type": "view", "name": "商城", "url": "http://shop.test/"}],
                },
            ]
        }
    )
    menu = client.menu.get()
    assert menu["menu"]["button"][0]["key"] == "TODAY"
    with pytest.raises(WeChatClientException) as caught:
        client.menu.create({"button": [{"type": "click", "name": "名字实在是太长了啊", "key": "K"}]})
    assert caught.value.errcode == 40018

    wxsandbox.control("POST", "mp/oa/follow", json={"user": "lihua"})
    openid = wxsandbox.openid("lihua", oa.appid)
    client.message.send_text(openid, "您好，订单已发货")
    sent = client.message.send_template(openid, "TPL_SHIPPED", {"keyword1": {"value": "SF1234"}})
    assert sent["msgid"] > 0
    info = client.user.get(openid)
    assert info["subscribe"] == 1 and info["unionid"]
    followers = client.user.get_followers()
    assert followers["data"]["openid"] == [openid]
    chat = wxsandbox.control("GET", "mp/oa/conversation", params={"user": "lihua"})["messages"]
    assert [m["source"] for m in chat] == ["custom", "template"]


def test_wechatpy_refreshes_an_expired_token_by_itself(wxsandbox, oa):
    client = client_for(wxsandbox, oa)
    first = client.access_token
    wxsandbox.advance_clock(7201)
    assert client.menu.delete()["errcode"] == 0  # 42001, then wechatpy fetched a new token and retried
    assert client.access_token != first


def test_quota_surfaces_as_wechatpy_api_limit(wxsandbox, oa):
    wxsandbox.control("POST", "mp/settings", json={"daily_quotas": {"menu.get": 1}})
    client = client_for(wxsandbox, oa)
    client.menu.create({"button": [{"type": "click", "name": "a", "key": "a"}]})
    client.menu.get()
    with pytest.raises(APILimitedException):
        client.menu.get()


def test_qrcode_and_jsapi_through_wechatpy(wxsandbox, oa):
    client = client_for(wxsandbox, oa)
    qr = client.qrcode.create(
        {"expire_seconds": 1800, "action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 42}}}
    )
    assert qr["expire_seconds"] == 1800
    resolved = wxsandbox.control("POST", "mp/qrcode/resolve", json={"ticket": qr["ticket"]})
    assert resolved["scene"] == "42"
    ticket = client.jsapi.get_jsapi_ticket()
    signature = client.jsapi.get_jsapi_signature("nonce1", ticket, 1700000000, "http://shop.test/p?id=1")
    assert signature == jsapi_signature(ticket, "nonce1", 1700000000, "http://shop.test/p?id=1")
    verdict = wxsandbox.control(
        "POST",
        "mp/jssdk/verify",
        json={
            "appId": oa.appid,
            "timestamp": 1700000000,
            "nonceStr": "nonce1",
            "signature": signature,
            "url": "http://shop.test/p?id=1",
        },
    )
    assert verdict["ok"]


def test_oauth_through_wechatpy(wxsandbox, oa):
    class SandboxOAuth(WeChatOAuth):
        API_BASE_URL = wxsandbox.base_url + "/"
        OAUTH_BASE_URL = wxsandbox.base_url + "/connect/"

    oauth = SandboxOAuth(oa.appid, oa.secret, "http://shop.test/cb", scope="snsapi_userinfo", state="xyz")
    url = oauth.authorize_url
    assert url.startswith(wxsandbox.base_url + "/connect/oauth2/authorize?appid=") and url.endswith(
        "#wechat_redirect"
    )
    page = wxsandbox.client.get(url.split("#")[0] + "&sandbox_user=wangfang")
    ticket = page.text.split('name="ticket" value="')[1].split('"')[0]
    back = wxsandbox.client.post(
        "/connect/oauth2/authorize/confirm",
        data={"ticket": ticket, "decision": "allow"},
        follow_redirects=False,
    )
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    token = oauth.fetch_access_token(code)
    assert token["openid"] == wxsandbox.openid("wangfang", oa.appid) and token["unionid"]
    assert oauth.get_user_info()["nickname"] == "王芳"
    assert oauth.check_access_token()
    assert oauth.refresh_access_token(token["refresh_token"])["openid"] == token["openid"]


def test_mini_program_login_through_wechatpy(wxsandbox, monkeypatch):
    mp = wxsandbox.app_of_kind(MINI_PROGRAM)
    monkeypatch.setattr(WeChatWxa, "API_BASE_URL", wxsandbox.base_url + "/")
    client = client_for(wxsandbox, mp)
    code = wxsandbox.control("POST", "mp/login", json={"user": "xiaoming"})["code"]
    session = client.wxa.code_to_session(code)
    assert session["openid"] == wxsandbox.openid("xiaoming", mp.appid)
    wxsandbox.control("POST", "mp/subscriptions", json={"user": "xiaoming", "template_id": "TPL"})
    client.wxa.send_subscribe_message(
        session["openid"], "TPL", {"thing1": {"value": "已发货"}}, page="pages/o"
    )
    with pytest.raises(WeChatClientException) as caught:
        client.wxa.send_subscribe_message(session["openid"], "TPL", {"thing1": {"value": "again"}})
    assert caught.value.errcode == 43101
