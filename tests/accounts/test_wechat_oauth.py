"""Web OAuth end to end over the wire: the hub's /wechat/login/ → wxsandbox's authorize page → the hub's
callback, which exchanges the code with wxsandbox. Only the browser is played by a test client."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from wxmall.accounts.models import User, WeChatIdentity
from wxmall.wechat.testing import use_sandbox
from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT

WECHAT_UA = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"


@pytest.fixture
def oa(db, settings, wxsandbox):
    use_sandbox(settings, wxsandbox)
    settings.ALLOWED_HOSTS = ["*"]
    yield wxsandbox.app_of_kind(OFFICIAL_ACCOUNT)
    # The client buffers its API stats in the process; write them inside this test's transaction (rolled
    # back) so they do not surface in a later test's figures.
    from wxmall.wechat.clients import registry

    registry().recorder.flush()


def start(browser, scope=None, next_url="/me/"):
    params = {"next": next_url} | ({"scope": scope} if scope else {})
    response = browser.get("/wechat/login/", params)
    assert response.status_code == 302
    return response["Location"]


def authorize(wxsandbox, url, user="xiaoming", decision=None):
    """Play WeChat's browser on the sandbox: open the authorize URL, consent if asked; return the
    callback URL the sandbox redirects to."""
    target = url.split("#")[0]
    answer = wxsandbox.client.get(f"{target}&sandbox_user={user}", follow_redirects=False)
    if answer.status_code == 200 and decision:
        import re

        ticket = re.search(r'name="ticket" value="([0-9a-f]+)"', answer.text).group(1)
        answer = wxsandbox.client.post(
            "/connect/oauth2/authorize/confirm",
            data={"ticket": ticket, "decision": decision},
            follow_redirects=False,
        )
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def callback(browser, location):
    parts = urlsplit(location)
    return browser.get(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})


def test_silent_base_login_then_userinfo_with_unionid(wxsandbox, oa):
    browser = Client(HTTP_USER_AGENT=WECHAT_UA)
    assert browser.get("/me/")["Location"].startswith("/login/")
    login = browser.get("/login/", {"next": "/me/"})
    assert login["Location"].startswith("/wechat/login/")  # inside WeChat: straight to OAuth
    url = start(browser)
    query = parse_qs(urlsplit(url).query)
    assert (
        url.endswith("#wechat_redirect")
        and query["scope"] == ["snsapi_base"]
        and query["appid"] == [oa.appid]
    )
    done = callback(browser, authorize(wxsandbox, url))
    assert done.status_code == 302 and done["Location"] == "/me/"
    identity = WeChatIdentity.objects.get()
    assert identity.openid == wxsandbox.openid("xiaoming", oa.appid) and identity.unionid is None
    assert browser.get("/me/").status_code == 200

    # The customer agrees to share profile: same customer, now with nickname and unionid.
    done = callback(browser, authorize(wxsandbox, start(browser, "userinfo"), decision="allow"))
    assert done.status_code == 302
    identity.refresh_from_db()
    assert identity.unionid == wxsandbox.sandbox.users.unionid("xiaoming", oa.appid)
    assert identity.nickname == "小明" and User.objects.count() == 1
    assert User.objects.get().nickname == "小明"


def test_a_mini_program_identity_with_the_same_unionid_lands_on_the_same_customer(wxsandbox, oa):
    from wxmall.accounts import actions

    browser = Client(HTTP_USER_AGENT=WECHAT_UA)
    callback(browser, authorize(wxsandbox, start(browser, "userinfo"), user="lihua", decision="allow"))
    mp = wxsandbox.app_of_kind(MINI_PROGRAM)
    user = actions.login_wechat(
        appid=mp.appid,
        openid=wxsandbox.openid("lihua", mp.appid),
        kind="miniprogram",
        unionid=wxsandbox.sandbox.users.unionid("lihua", mp.appid),
    )
    assert User.objects.count() == 1
    assert WeChatIdentity.objects.filter(user=user).count() == 2


def test_state_must_be_this_sessions_and_single_use(wxsandbox, oa):
    browser = Client(HTTP_USER_AGENT=WECHAT_UA)
    location = authorize(wxsandbox, start(browser))
    attacker = Client(HTTP_USER_AGENT=WECHAT_UA)  # another session replays the callback (login CSRF)
    refused = callback(attacker, location)
    assert refused.status_code == 400 and "登录请求已失效" in refused.content.decode()
    assert not WeChatIdentity.objects.exists()
    assert callback(browser, location).status_code == 302
    again = callback(browser, location)  # the same state a second time
    assert again.status_code == 400 and "登录请求已失效" in again.content.decode()


def test_reused_expired_forged_and_foreign_codes_are_refused_writing_nothing(wxsandbox, oa):
    browser = Client(HTTP_USER_AGENT=WECHAT_UA)
    location = authorize(wxsandbox, start(browser))
    callback(browser, location)
    WeChatIdentity.objects.all().delete()
    User.objects.filter(username__startswith="wx-").delete()
    code = parse_qs(urlsplit(location).query)["code"][0]

    def with_code(value):
        fresh = parse_qs(urlsplit(authorize(wxsandbox, start(browser))).query)
        return browser.get("/wechat/callback/", {"code": value, "state": fresh["state"][0]})

    used = with_code(code)
    assert used.status_code == 400 and "已使用过" in used.content.decode()
    forged = with_code("f" * 32)
    assert forged.status_code == 400 and "登录凭证无效" in forged.content.decode()
    hostile = with_code("<script>alert(1)</script>")
    assert hostile.status_code == 400 and "<script>alert" not in hostile.content.decode()
    # A js_code of the Mini Program is not a code of this Official Account.
    mp = wxsandbox.app_of_kind(MINI_PROGRAM)
    js_code = wxsandbox.control("POST", "mp/login", json={"user": "xiaoming", "appid": mp.appid})["code"]
    assert with_code(js_code).status_code == 400
    # Expired: five minutes on the sandbox clock.
    late = parse_qs(urlsplit(authorize(wxsandbox, start(browser))).query)
    wxsandbox.advance_clock(301)
    expired = browser.get("/wechat/callback/", {"code": late["code"][0], "state": late["state"][0]})
    assert expired.status_code == 400 and "已过期" in expired.content.decode()
    assert (
        not WeChatIdentity.objects.exists() and not User.objects.filter(username__startswith="wx-").exists()
    )


def test_refused_consent_and_snapshot_users_stay_guests(wxsandbox, oa):
    browser = Client(HTTP_USER_AGENT=WECHAT_UA)
    denied = callback(browser, authorize(wxsandbox, start(browser, "userinfo"), decision="deny"))
    assert denied.status_code == 400 and "未同意授权" in denied.content.decode()
    wxsandbox.control("POST", "mp/settings", json={"oauth_snapshot_unconsented": True})
    guest = callback(browser, authorize(wxsandbox, start(browser, "userinfo"), user="lihua"))
    assert guest.status_code == 200 and "游客" in guest.content.decode()
    assert not WeChatIdentity.objects.exists()
    assert browser.get("/me/").status_code == 302  # still not logged in


def test_wechat_unreachable_or_failing_is_a_clear_error(wxsandbox, oa, settings):
    browser = Client(HTTP_USER_AGENT=WECHAT_UA)
    location = authorize(wxsandbox, start(browser))
    wxsandbox.add_fault(target="mp.sns.access_token", errcode=-1)
    busy = callback(browser, location)
    assert busy.status_code == 503 and "微信服务暂时不可用" in busy.content.decode()
    wxsandbox.clear_faults()
    location = authorize(wxsandbox, start(browser))
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    settings.WECHAT_APPS = dict(settings.WECHAT_APPS)  # rebuild the client registry on the new base
    down = callback(browser, location)
    assert down.status_code == 503
    assert not WeChatIdentity.objects.exists()


def test_outside_wechat_the_demo_keeps_its_dev_login(db, settings):
    settings.DEMO, settings.DEV_LOGIN_ENABLED = True, True
    assert Client().get("/login/").status_code == 200
    settings.DEMO = False
    page = Client().get("/login/")
    assert page.status_code == 200 and "请在微信中打开" in page.content.decode()
