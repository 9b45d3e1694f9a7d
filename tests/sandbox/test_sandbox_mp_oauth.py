"""Web OAuth, Mini Program login and phone number (reference §5.1–5.4)."""

import base64
import dataclasses
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from wxsandbox.config import OFFICIAL_ACCOUNT

REDIRECT = "http://shop.test/wechat/callback?next=%2Fcart"


def authorize(sb, app, scope="snsapi_base", user="xiaoming", **extra):
    params = {
        "appid": app.appid,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": scope,
        "state": "STATE123",
    } | extra
    if user:
        params["sandbox_user"] = user
    return sb.client.get("/connect/oauth2/authorize", params=params, follow_redirects=False)


def code_from(response):
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return query.get("code", [None])[0], query


def consent(sb, page, decision):
    ticket = re.search(r'name="ticket" value="([0-9a-f]+)"', page.text).group(1)
    return sb.client.post(
        "/connect/oauth2/authorize/confirm",
        data={"ticket": ticket, "decision": decision},
        follow_redirects=False,
    )


def exchange(sb, app, code, **extra):
    params = {
        "appid": app.appid,
        "secret": app.secret,
        "code": code,
        "grant_type": "authorization_code",
    } | extra
    return sb.client.get("/sns/oauth2/access_token", params=params).json()


def test_snsapi_base_is_silent_and_gives_openid_without_unionid(wxsandbox, oa):
    code, query = code_from(authorize(wxsandbox, oa))
    assert query["state"] == ["STATE123"] and query["next"] == ["/cart"]  # existing query kept
    token = exchange(wxsandbox, oa, code)
    assert token["openid"] == wxsandbox.openid("xiaoming", oa.appid)
    assert token["scope"] == "snsapi_base" and token["expires_in"] == 7200 and token["refresh_token"]
    assert "unionid" not in token
    info = wxsandbox.client.get(
        "/sns/userinfo", params={"access_token": token["access_token"], "openid": token["openid"]}
    ).json()
    assert info["errcode"] == 48001  # base scope cannot read the profile


def test_codes_are_single_use_and_expire(wxsandbox, oa):
    code, _ = code_from(authorize(wxsandbox, oa))
    assert "access_token" in exchange(wxsandbox, oa, code)
    assert exchange(wxsandbox, oa, code)["errcode"] == 40163
    late, _ = code_from(authorize(wxsandbox, oa))
    wxsandbox.advance_clock(301)
    assert exchange(wxsandbox, oa, late)["errcode"] == 42003
    assert exchange(wxsandbox, oa, "f" * 32)["errcode"] == 40029


@pytest.mark.parametrize(
    ("extra", "errcode"),
    [
        ({"appid": None}, 41002),
        ({"secret": None}, 41004),
        ({"code": None}, 41008),
        ({"grant_type": "client_credential"}, 40002),
        ({"secret": "bad"}, 40125),
    ],
)
def test_code_exchange_parameter_errors_leave_the_code_usable(sb, oa, extra, errcode):
    code, _ = code_from(authorize(sb, oa))
    params = {
        "appid": oa.appid,
        "secret": oa.secret,
        "code": code,
        "grant_type": "authorization_code",
    } | extra
    answer = sb.client.get("/sns/oauth2/access_token", params={k: v for k, v in params.items() if v})
    assert answer.json()["errcode"] == errcode
    assert "access_token" in exchange(sb, oa, code)


def test_snsapi_userinfo_consent_then_profile_with_unionid(wxsandbox, oa, mp):
    page = authorize(wxsandbox, oa, scope="snsapi_userinfo", user="lihua")
    assert page.status_code == 200 and "允许" in page.text and "拒绝" in page.text and "李华" in page.text
    code, query = code_from(consent(wxsandbox, page, "allow"))
    assert query["state"] == ["STATE123"]
    token = exchange(wxsandbox, oa, code)
    unionid = wxsandbox.sandbox.users.unionid("lihua", oa.appid)
    assert token["scope"] == "snsapi_userinfo" and token["unionid"] == unionid
    info = wxsandbox.client.get(
        "/sns/userinfo",
        params={"access_token": token["access_token"], "openid": token["openid"], "lang": "zh_CN"},
    ).json()
    assert info["nickname"] == "李华" and info["unionid"] == unionid and info["privilege"] == []
    assert info["headimgurl"].endswith("/sandbox/mp/avatar/lihua.svg")
    assert wxsandbox.client.get(info["headimgurl"]).headers["content-type"].startswith("image/svg+xml")
    # The same person in the Mini Program: another openid, the same unionid (one open platform).
    login = wxsandbox.control("POST", "mp/login", json={"user": "lihua"})
    session = wxsandbox.client.get(
        "/sns/jscode2session",
        params={
            "appid": mp.appid,
            "secret": mp.secret,
            "js_code": login["code"],
            "grant_type": "authorization_code",
        },
    ).json()
    assert session["unionid"] == unionid and session["openid"] != token["openid"]


def test_snapshot_page_gives_a_virtual_account_until_the_user_consents(wxsandbox, oa):
    wxsandbox.control("POST", "mp/settings", json={"oauth_snapshot_unconsented": True})
    code, _ = code_from(authorize(wxsandbox, oa, scope="snsapi_userinfo", user="lihua"))
    token = exchange(wxsandbox, oa, code)
    assert token["is_snapshotuser"] == 1 and "unionid" not in token
    assert token["openid"] != wxsandbox.openid("lihua", oa.appid)
    info = wxsandbox.client.get(
        "/sns/userinfo", params={"access_token": token["access_token"], "openid": token["openid"]}
    ).json()
    assert info["errcode"] == 48001
    refreshed = wxsandbox.client.get(
        "/sns/oauth2/refresh_token",
        params={"appid": oa.appid, "grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
    ).json()
    assert refreshed["is_snapshotuser"] == 1
    # snsapi_base is never a snapshot; after consent, snsapi_userinfo is the real user.
    base = exchange(wxsandbox, oa, code_from(authorize(wxsandbox, oa, user="lihua"))[0])
    assert "is_snapshotuser" not in base and base["openid"] == wxsandbox.openid("lihua", oa.appid)
    wxsandbox.sandbox.state.execute(
        "INSERT INTO mp_oauth_consents (appid, user_id, granted_at) VALUES (?, 'lihua', 0)", (oa.appid,)
    )
    real = exchange(
        wxsandbox, oa, code_from(authorize(wxsandbox, oa, scope="snsapi_userinfo", user="lihua"))[0]
    )
    assert "is_snapshotuser" not in real and real["unionid"]


def test_consent_is_remembered_unless_force_popup(wxsandbox, oa):
    code_from(consent(wxsandbox, authorize(wxsandbox, oa, scope="snsapi_userinfo"), "allow"))
    silent = authorize(wxsandbox, oa, scope="snsapi_userinfo")
    code, _ = code_from(silent)
    assert exchange(wxsandbox, oa, code)["scope"] == "snsapi_userinfo"
    assert authorize(wxsandbox, oa, scope="snsapi_userinfo", forcePopup="true").status_code == 200


def test_refusal_redirects_without_code(wxsandbox, oa):
    refused = consent(wxsandbox, authorize(wxsandbox, oa, scope="snsapi_userinfo"), "deny")
    code, query = code_from(refused)
    assert code is None and query["state"] == ["STATE123"]


def test_consent_ticket_is_single_use(wxsandbox, oa):
    page = authorize(wxsandbox, oa, scope="snsapi_userinfo")
    code_from(consent(wxsandbox, page, "allow"))
    assert consent(wxsandbox, page, "allow").status_code == 400


def test_unbound_account_gets_no_unionid(wxsandbox_factory, wxsandbox_base_config):
    apps = tuple(dataclasses.replace(a, open_platform="") for a in wxsandbox_base_config.apps)
    sb = wxsandbox_factory(apps=apps)
    oa = sb.app_of_kind(OFFICIAL_ACCOUNT)
    code, _ = code_from(consent(sb, authorize(sb, oa, scope="snsapi_userinfo"), "allow"))
    token = exchange(sb, oa, code)
    assert token["scope"] == "snsapi_userinfo" and "unionid" not in token
    info = sb.client.get(
        "/sns/userinfo", params={"access_token": token["access_token"], "openid": token["openid"]}
    ).json()
    assert "unionid" not in info and info["nickname"] == "小明"


def test_refresh_extends_a_live_token_and_replaces_an_expired_one(wxsandbox, oa):
    code, _ = code_from(authorize(wxsandbox, oa))
    token = exchange(wxsandbox, oa, code)
    params = {"appid": oa.appid, "grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    wxsandbox.advance_clock(7000)
    extended = wxsandbox.client.get("/sns/oauth2/refresh_token", params=params).json()
    assert extended["access_token"] == token["access_token"] and extended["expires_in"] == 7200
    wxsandbox.advance_clock(7201)
    auth = {"access_token": token["access_token"], "openid": token["openid"]}
    assert wxsandbox.client.get("/sns/auth", params=auth).json()["errcode"] == 42001
    renewed = wxsandbox.client.get("/sns/oauth2/refresh_token", params=params).json()
    assert (
        renewed["access_token"] != token["access_token"]
        and renewed["refresh_token"] == token["refresh_token"]
    )
    assert wxsandbox.client.get(
        "/sns/auth", params={"access_token": renewed["access_token"], "openid": token["openid"]}
    ).json() == {"errcode": 0, "errmsg": "ok"}
    wxsandbox.advance_clock(30 * 86400)
    assert wxsandbox.client.get("/sns/oauth2/refresh_token", params=params).json()["errcode"] == 42002
    bogus = params | {"refresh_token": "nope"}
    assert wxsandbox.client.get("/sns/oauth2/refresh_token", params=bogus).json()["errcode"] == 40030


def test_sns_auth_rejects_a_foreign_openid(wxsandbox, oa):
    code, _ = code_from(authorize(wxsandbox, oa))
    token = exchange(wxsandbox, oa, code)
    other = wxsandbox.openid("lihua", oa.appid)
    answer = wxsandbox.client.get(
        "/sns/auth", params={"access_token": token["access_token"], "openid": other}
    )
    assert answer.json()["errcode"] == 40003


@pytest.mark.parametrize(
    ("params", "errcode"),
    [
        ({"appid": ""}, 10012),
        ({"appid": "wx0000000000000000"}, 40013),
        ({"redirect_uri": ""}, 10011),
        ({"redirect_uri": "javascript:alert(1)"}, 10003),
        ({"scope": ""}, 10010),
        ({"scope": "snsapi_login"}, 10005),
        ({"response_type": "token"}, 10005),
        ({"state": "x" * 129}, 10013),
    ],
)
def test_authorize_error_pages(sb, oa, params, errcode):
    page = authorize(sb, oa, **params)
    assert page.status_code == 200 and f'data-errcode="{errcode}"' in page.text


def test_mini_program_appid_is_not_a_web_oauth_account(sb, mp):
    assert 'data-errcode="10016"' in authorize(sb, mp).text


def test_redirect_domain_must_match_configuration(wxsandbox, oa):
    wxsandbox.control("POST", "mp/settings", json={"oauth_domains": {oa.appid: ["m.shop.test"]}})
    assert 'data-errcode="10003"' in authorize(wxsandbox, oa).text
    allowed = authorize(wxsandbox, oa, redirect_uri="https://m.shop.test/cb")
    assert code_from(allowed)[0]


def test_without_a_browsing_user_a_chooser_is_shown_and_the_choice_is_remembered(wxsandbox, oa):
    page = authorize(wxsandbox, oa, user=None)
    assert page.status_code == 200 and "选择" in page.text and "sandbox_user=wangfang" in page.text
    chosen = authorize(wxsandbox, oa, user="wangfang")
    assert chosen.cookies.get("wxsandbox_user") == "wangfang"
    code, _ = code_from(authorize(wxsandbox, oa, user=None))  # the cookie now says who is browsing
    assert exchange(wxsandbox, oa, code)["openid"] == wxsandbox.openid("wangfang", oa.appid)


# -- Mini Program ------------------------------------------------------------------------------------------


def test_jscode2session(wxsandbox, mp):
    login = wxsandbox.control("POST", "mp/login", json={"user": "wangfang"})
    params = {
        "appid": mp.appid,
        "secret": mp.secret,
        "js_code": login["code"],
        "grant_type": "authorization_code",
    }
    session = wxsandbox.client.get("/sns/jscode2session", params=params).json()
    assert session["openid"] == wxsandbox.openid("wangfang", mp.appid)
    assert len(base64.b64decode(session["session_key"])) == 16
    assert session["unionid"] == wxsandbox.sandbox.users.unionid("wangfang", mp.appid)
    reused = wxsandbox.client.get("/sns/jscode2session", params=params).json()
    assert reused["errcode"] == 40163 and reused["errmsg"].startswith("code been used")
    second = wxsandbox.control("POST", "mp/login", json={"user": "wangfang"})
    again = wxsandbox.client.get("/sns/jscode2session", params=params | {"js_code": second["code"]}).json()
    assert again["session_key"] != session["session_key"] and again["openid"] == session["openid"]


@pytest.mark.parametrize(
    ("extra", "errcode"),
    [
        ({"appid": None}, 41002),
        ({"secret": None}, 41004),
        ({"js_code": None}, 41008),
        ({"secret": "wrong"}, 40125),
        ({"js_code": "0" * 32}, 40029),
    ],
)
def test_jscode2session_errors(sb, mp, extra, errcode):
    login = sb.control("POST", "mp/login", json={"user": "xiaoming"})
    params = {"appid": mp.appid, "secret": mp.secret, "js_code": login["code"]} | extra
    answer = sb.client.get("/sns/jscode2session", params={k: v for k, v in params.items() if v}).json()
    assert answer["errcode"] == errcode


def test_js_code_expires_and_belongs_to_its_app(wxsandbox, mp, oa):
    login = wxsandbox.control("POST", "mp/login", json={"user": "xiaoming"})
    answer = wxsandbox.client.get(
        "/sns/jscode2session", params={"appid": oa.appid, "secret": oa.secret, "js_code": login["code"]}
    ).json()
    assert answer["errcode"] == 40013  # an Official Account cannot log Mini Program users in
    wxsandbox.advance_clock(301)
    answer = wxsandbox.client.get(
        "/sns/jscode2session", params={"appid": mp.appid, "secret": mp.secret, "js_code": login["code"]}
    ).json()
    assert answer["errcode"] == 40029


def test_login_control_errors(sb):
    response = sb.client.post("/sandbox/mp/login", json={"user": "nobody"})
    assert response.status_code == 404 and response.json()["error"] == "unknown_user"
    response = sb.client.post("/sandbox/mp/login", content=b"{oops")
    assert response.status_code == 400 and response.json()["error"] == "malformed_json"


def test_phone_number_exchange(wxsandbox, mp):
    token = wxsandbox.access_token(mp)
    code = wxsandbox.control("POST", "mp/phone-code", json={"user": "xiaoming"})["code"]
    answer = wxsandbox.client.post(
        "/wxa/business/getuserphonenumber", params={"access_token": token}, json={"code": code}
    ).json()
    assert answer["errcode"] == 0
    info = answer["phone_info"]
    assert info["phoneNumber"] == info["purePhoneNumber"] == "13800138001" and info["countryCode"] == "86"
    assert info["watermark"]["appid"] == mp.appid
    again = wxsandbox.client.post(
        "/wxa/business/getuserphonenumber", params={"access_token": token}, json={"code": code}
    ).json()
    assert again["errcode"] == 40029  # single use


def test_phone_number_body_rules(wxsandbox, mp):
    token = wxsandbox.access_token(mp)
    code = wxsandbox.control("POST", "mp/phone-code", json={"user": "lihua"})["code"]
    url = "/wxa/business/getuserphonenumber"
    form = wxsandbox.client.post(url, params={"access_token": token}, data={"code": code}).json()
    assert form["errcode"] == 47001
    in_query = wxsandbox.client.post(url, params={"access_token": token, "code": code}).json()
    assert in_query["errcode"] == 40029
    wxsandbox.advance_clock(301)
    late = wxsandbox.client.post(url, params={"access_token": token}, json={"code": code}).json()
    assert late["errcode"] == 40029


def test_phone_code_needs_the_mini_program_token(sb, oa):
    code = sb.control("POST", "mp/phone-code", json={"user": "xiaoming"})["code"]
    answer = sb.client.post(
        "/wxa/business/getuserphonenumber", params={"access_token": sb.access_token(oa)}, json={"code": code}
    ).json()
    assert answer["errcode"] == 48001


def test_follower_info_reveals_unionid(wxsandbox, oa):
    token = wxsandbox.access_token(oa)
    openid = wxsandbox.openid("xiaoming", oa.appid)
    before = wxsandbox.client.get(
        "/cgi-bin/user/info", params={"access_token": token, "openid": openid}
    ).json()
    assert before["subscribe"] == 0
    wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    info = wxsandbox.client.get("/cgi-bin/user/info", params={"access_token": token, "openid": openid}).json()
    assert info["subscribe"] == 1 and info["unionid"] == wxsandbox.sandbox.users.unionid("xiaoming", oa.appid)
    assert "nickname" not in info
    listing = wxsandbox.client.get("/cgi-bin/user/get", params={"access_token": token}).json()
    assert listing["total"] == 1 and listing["data"]["openid"] == [openid]
    unknown = wxsandbox.client.get(
        "/cgi-bin/user/info", params={"access_token": token, "openid": "oNOPE"}
    ).json()
    assert unknown["errcode"] == 40003


def test_jscode2session_minute_quota_per_user(wxsandbox, mp):
    wxsandbox.control("POST", "mp/settings", json={"jscode_per_user_per_minute": 2})
    params = {"appid": mp.appid, "secret": mp.secret}

    def login(user):
        code = wxsandbox.control("POST", "mp/login", json={"user": user})["code"]
        return wxsandbox.client.get("/sns/jscode2session", params=params | {"js_code": code}).json()

    assert [("openid" in login("xiaoming")) for _ in range(2)] == [True, True]
    code = wxsandbox.control("POST", "mp/login", json={"user": "xiaoming"})["code"]
    exchange_code = {"appid": mp.appid, "secret": mp.secret, "js_code": code}
    assert wxsandbox.client.get("/sns/jscode2session", params=exchange_code).json()["errcode"] == 45011
    assert "openid" in login("lihua")  # the limit is per user
    wxsandbox.advance_clock(60)
    assert (
        "openid" in wxsandbox.client.get("/sns/jscode2session", params=exchange_code).json()
    )  # still usable


def test_a_code_exchanged_concurrently_wins_once(wxsandbox, oa):
    import threading

    import httpx

    code, _ = code_from(authorize(wxsandbox, oa))
    params = {"appid": oa.appid, "secret": oa.secret, "code": code, "grant_type": "authorization_code"}
    answers, start = [], threading.Barrier(8)

    def worker():
        with httpx.Client(base_url=wxsandbox.base_url, trust_env=False) as client:
            start.wait()
            answers.append(client.get("/sns/oauth2/access_token", params=params).json())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum("access_token" in a for a in answers) == 1
    assert sorted(a.get("errcode") for a in answers if "errcode" in a) == [40163] * 7


def test_accounts_listing_has_original_ids_and_no_secrets(wxsandbox, oa):
    listing = wxsandbox.control("GET", "mp/accounts")["accounts"]
    by_appid = {a["appid"]: a for a in listing}
    assert by_appid[oa.appid]["original_id"].startswith("gh_") and by_appid[oa.appid]["push_format"] == "xml"
    assert oa.secret not in str(listing) and oa.encoding_aes_key not in str(listing)
    wxsandbox.control("POST", "mp/settings", json={"original_ids": {oa.appid: "gh_c0ffee000001"}})
    assert {a["appid"]: a for a in wxsandbox.control("GET", "mp/accounts")["accounts"]}[oa.appid][
        "original_id"
    ] == "gh_c0ffee000001"
