"""The Mini Program login and phone binding over the wire: /api/accounts → wxsandbox's jscode2session and
getuserphonenumber. Codes come from wxsandbox's control API (playing wx.login() / getPhoneNumber)."""

import json

import pytest
from django.test import Client

from wxmall.accounts.models import User, WeChatIdentity
from wxmall.wechat.testing import use_sandbox
from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT


@pytest.fixture
def mp(db, settings, wxsandbox):
    use_sandbox(settings, wxsandbox)
    yield wxsandbox.app_of_kind(MINI_PROGRAM)
    from wxmall.wechat.clients import registry

    registry().recorder.flush()


def js_code(wxsandbox, user="xiaoming", appid=None):
    appid = appid or wxsandbox.app_of_kind(MINI_PROGRAM).appid
    return wxsandbox.control("POST", "mp/login", json={"user": user, "appid": appid})["code"]


def phone_code(wxsandbox, user="xiaoming"):
    appid = wxsandbox.app_of_kind(MINI_PROGRAM).appid
    return wxsandbox.control("POST", "mp/phone-code", json={"user": user, "appid": appid})["code"]


def post(browser, path, body, **headers):
    return browser.post(f"/api/accounts/miniprogram/{path}", json.dumps(body), "application/json", **headers)


def login(browser, code):
    return post(browser, "login", {"code": code})


def test_login_opens_a_session_and_keeps_the_session_key_server_side(wxsandbox, mp):
    browser = Client()
    answer = login(browser, js_code(wxsandbox))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert set(body) == {"session_id", "nickname", "has_phone"} and body["has_phone"] is False
    identity = WeChatIdentity.objects.get()
    assert identity.kind == "miniprogram" and identity.openid == wxsandbox.openid("xiaoming", mp.appid)
    assert identity.unionid == wxsandbox.sandbox.users.unionid("xiaoming", mp.appid)
    assert identity.session_key and identity.session_key not in answer.content.decode()
    raw = WeChatIdentity.objects.filter(pk=identity.pk).values_list("session_key", flat=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT session_key FROM accounts_wechatidentity WHERE id = %s", [identity.pk])
        stored = cursor.fetchone()[0]
    assert stored != raw[0]  # encrypted at rest
    assert identity.session_key not in stored
    assert browser.cookies["sessionid"].value == body["session_id"]
    # A second login of the same user: same customer, a fresh session_key.
    first_key = identity.session_key
    assert login(Client(), js_code(wxsandbox)).status_code == 200
    identity.refresh_from_db()
    assert User.objects.count() == 1 and identity.session_key != first_key


def test_reused_foreign_and_malformed_codes_are_refused_writing_nothing(wxsandbox, mp):
    code = js_code(wxsandbox)
    assert login(Client(), code).status_code == 200
    WeChatIdentity.objects.all().delete()
    User.objects.all().delete()
    used = login(Client(), code)
    assert used.status_code == 400 and used.json()["code"] == "oauth_code_used"
    # A code of the Official Account (another app) is not this Mini Program's js_code.
    oa = wxsandbox.app_of_kind(OFFICIAL_ACCOUNT)
    import re

    page = wxsandbox.client.get(
        "/connect/oauth2/authorize",
        params={
            "appid": oa.appid,
            "redirect_uri": "http://shop.test/cb",
            "response_type": "code",
            "scope": "snsapi_base",
            "sandbox_user": "xiaoming",
        },
        follow_redirects=False,
    )
    foreign = re.search(r"code=([^&]+)", page.headers["location"]).group(1)
    refused = login(Client(), foreign)
    assert refused.status_code == 400 and refused.json()["code"] == "oauth_code_invalid"
    hostile = login(Client(), "<script>alert(1)</script>")
    assert hostile.status_code == 400 and "<script>" not in hostile.content.decode()
    assert not WeChatIdentity.objects.exists() and not User.objects.exists()


def test_wechat_errors_and_outages_answer_clean_refusals(wxsandbox, mp):
    wxsandbox.add_fault(target="/sns/jscode2session", errcode=40013, times=1)
    refused = login(Client(), js_code(wxsandbox))
    assert refused.status_code == 502 and refused.json()["code"] == "login_wechat_refused"
    wxsandbox.add_fault(target="/sns/jscode2session", http_status=503, times=5)
    down = login(Client(), js_code(wxsandbox))
    assert down.status_code == 503 and down.json()["code"] == "login_wechat_unavailable"
    assert not WeChatIdentity.objects.exists()


def test_phone_binding_stores_the_number_encrypted(wxsandbox, mp):
    session = login(Client(), js_code(wxsandbox)).json()["session_id"]
    mini = Client()  # wx.request keeps no cookies: the session travels in the header
    answer = post(mini, "phone", {"code": phone_code(wxsandbox)}, HTTP_X_WX_SESSION=session)
    assert answer.status_code == 200, answer.content
    user = User.objects.get()
    expected = wxsandbox.sandbox.users.require("xiaoming")["phone"].removeprefix("+86")
    assert user.phone == expected and expected not in answer.content.decode()
    assert answer.json()["phone_masked"] == expected[:3] + "****" + expected[-4:]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        assert expected not in cursor.fetchone()[0]
    assert "session_key" not in answer.content.decode()


def test_phone_code_reuse_wechat_errors_and_missing_sessions_write_nothing(wxsandbox, mp, customer):
    session = login(Client(), js_code(wxsandbox)).json()["session_id"]
    code = phone_code(wxsandbox)
    assert post(Client(), "phone", {"code": code}).status_code == 401
    assert post(Client(), "phone", {"code": code}, HTTP_X_WX_SESSION="x" * 32).status_code == 401
    # A web session (cookie login, no Mini Program login) is not a Mini Program session.
    web = Client()
    web.force_login(customer)
    assert (
        post(web, "phone", {"code": code}, HTTP_X_WX_SESSION=web.cookies["sessionid"].value).status_code
        == 401
    )
    assert post(Client(), "phone", {"code": code}, HTTP_X_WX_SESSION=session).status_code == 200
    User.objects.update(phone="")
    reused = post(Client(), "phone", {"code": code}, HTTP_X_WX_SESSION=session)
    assert reused.status_code == 400 and reused.json()["code"] == "phone_code_invalid"
    wxsandbox.add_fault(target="/wxa/business/getuserphonenumber", errcode=40013, times=1)
    refused = post(Client(), "phone", {"code": phone_code(wxsandbox)}, HTTP_X_WX_SESSION=session)
    assert refused.status_code == 502 and refused.json()["code"] == "login_wechat_refused"
    # A rate limit (45011) is WeChat asking to come back later, not a refusal of this customer.
    wxsandbox.add_fault(target="/wxa/business/getuserphonenumber", errcode=45011, times=1)
    limited = post(Client(), "phone", {"code": phone_code(wxsandbox)}, HTTP_X_WX_SESSION=session)
    assert limited.status_code == 503 and limited.json()["code"] == "login_wechat_unavailable"
    assert not User.objects.exclude(phone="").exists()


def test_a_js_code_of_the_mini_program_is_not_a_phone_code(wxsandbox, mp):
    session = login(Client(), js_code(wxsandbox)).json()["session_id"]
    wrong = post(Client(), "phone", {"code": js_code(wxsandbox)}, HTTP_X_WX_SESSION=session)
    assert wrong.status_code == 400 and wrong.json()["code"] == "phone_code_invalid"
    assert User.objects.get().phone == ""


def _session_exists(key: str) -> bool:
    """In the configured session engine (the database, or Redis when REDIS_URL is set)."""
    from importlib import import_module

    from django.conf import settings

    return import_module(settings.SESSION_ENGINE).SessionStore().exists(key)


def test_logout_revokes_the_session_token(wxsandbox, mp):

    session = login(Client(), js_code(wxsandbox)).json()["session_id"]
    mini = Client()
    assert post(mini, "logout", {}, HTTP_X_WX_SESSION=session).status_code == 204
    assert not _session_exists(session)
    # The revoked token is refused everywhere afterwards, logout included; nothing is bound.
    for path in ("phone", "logout"):
        again = post(mini, path, {"code": phone_code(wxsandbox)}, HTTP_X_WX_SESSION=session)
        assert again.status_code == 401
    assert User.objects.get().phone == ""
    # Without a token, or with a forged or overlong one: 401, and other sessions are untouched.
    other = login(Client(), js_code(wxsandbox, user="lihua")).json()["session_id"]
    for token in ({}, {"HTTP_X_WX_SESSION": "x" * 32}, {"HTTP_X_WX_SESSION": "y" * 65}):
        assert post(mini, "logout", {}, **token).status_code == 401
    assert _session_exists(other)


def test_logout_of_a_web_session_id_is_refused(wxsandbox, mp, customer):
    web = Client()
    web.force_login(customer)
    web_session = web.cookies["sessionid"].value
    assert post(Client(), "logout", {}, HTTP_X_WX_SESSION=web_session).status_code == 401
    assert web.get("/api/checkout/session").json()["authenticated"] is True
