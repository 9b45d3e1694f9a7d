"""The phone's server side: the page and its files, JSAPI paySign checks, scan classification, framing checks.

paySigns come from the ``wechatpayv3`` SDK (an independent implementation of the merchant side) as well as
from the phone's own helper, so the check is proven against someone else's signer.
"""

import dataclasses
import functools
import json
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from wechatpayv3 import WeChatPay, WeChatPayType

from helpers.http import HttpReceiver
from wxsandbox.app import create_app
from wxsandbox.config import OFFICIAL_ACCOUNT, ConfigError, generate_rsa_private_key_pem
from wxsandbox.pay import signing
from wxsandbox.phone import framing, jsapi

NOTIFY = "http://127.0.0.1:9/pay/notify"


@functools.lru_cache(maxsize=4)  # loading the RSA keys costs ~0.1 s each: one client per sandbox and kind
def peer(sb, kind=WeChatPayType.JSAPI):
    m = sb.merchant
    wxpay = WeChatPay(
        wechatpay_type=kind,
        mchid=m.mchid,
        private_key=m.merchant_private_key_pem,
        cert_serial_no=m.merchant_serial,
        appid=sb.app_of_kind(OFFICIAL_ACCOUNT).appid,
        apiv3_key=m.apiv3_key,
        notify_url=NOTIFY,
        public_key=m.platform_public_key_pem,
        public_key_id=m.platform_public_key_id,
    )
    wxpay._core._gate_way = sb.base_url
    return wxpay


def jsapi_order(sb, out_trade_no, user="xiaoming", total=459900):
    appid = sb.app_of_kind(OFFICIAL_ACCOUNT).appid
    code, message = peer(sb).pay(
        description="华为 MateBook 14 轻薄本",
        out_trade_no=out_trade_no,
        amount={"total": total},
        payer={"openid": sb.openid(user, appid)},
    )
    assert code == 200, message
    return appid, json.loads(message)["prepay_id"]


def sdk_params(sb, appid, prepay_id, timestamp=None, nonce="5K8264ILTKCH16CQ2502SI8ZNMTM67VS"):
    """What a merchant's server built with wechatpayv3 hands its page."""
    timestamp = timestamp or str(int(time.time()))
    package = "prepay_id=" + prepay_id
    return {
        "appId": appid,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": peer(sb).sign([appid, timestamp, nonce, package]),
    }


def verify(sb, params):
    return sb.client.post("/sandbox/phone/jsapi-verify", json=params)


# -- the page ------------------------------------------------------------------------------------------------


def test_phone_page_and_files_are_served_by_the_sandbox(wxsandbox):
    page = wxsandbox.client.get("/phone/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for label in ("公众号", "扫一扫", "浏览器", "支付", "确认支付", "当前用户", "新建用户"):
        assert label in page.text
    assert "//cdn" not in page.text and "https://" not in page.text  # nothing from outside the sandbox
    assert wxsandbox.client.get("/phone", follow_redirects=False).headers["location"] == "/phone/"
    script = wxsandbox.client.get("/phone/static/phone.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert ".innerHTML" not in script.text  # data only ever enters the page as text
    assert wxsandbox.client.get("/phone/static/phone.css").status_code == 200
    assert wxsandbox.client.get("/phone/static/nope.js").status_code == 404
    assert wxsandbox.client.get("/phone/static/../__init__.py").status_code == 404


def test_jsbridge_script_is_loadable_cross_origin(wxsandbox):
    response = wxsandbox.client.get("/phone/jsbridge.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "getBrandWCPayRequest" in response.text and "WeixinJSBridgeReady" in response.text


# -- JSAPI paySign ---------------------------------------------------------------------------------------------


def test_paysign_from_wechatpayv3_is_accepted_and_the_sheet_gets_the_order(wxsandbox):
    appid, prepay_id = jsapi_order(wxsandbox, "PHONE0000001")
    response = verify(wxsandbox, sdk_params(wxsandbox, appid, prepay_id))
    assert response.status_code == 200, response.text
    order = response.json()
    assert order["prepay_id"] == prepay_id
    assert order["merchant_name"] == wxsandbox.merchant.name
    assert order["amount_total"] == 459900 and order["description"] == "华为 MateBook 14 轻薄本"
    assert order["payer_user_id"] == "xiaoming"
    assert order["transaction"]["trade_state"] == "NOTPAY"


def test_phone_helper_signs_exactly_like_the_sdk(wxsandbox):
    appid, prepay_id = jsapi_order(wxsandbox, "PHONE0000002")
    ours = jsapi.sign_pay_request(
        wxsandbox.merchant.merchant_private_key_pem,
        appid,
        prepay_id,
        "1414561699",
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
    )
    theirs = sdk_params(wxsandbox, appid, prepay_id, "1414561699")
    assert ours == theirs  # PKCS#1 v1.5 signatures are deterministic
    assert signing.invocation_message(
        "wx8888888888888888",
        "1414561699",
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        "prepay_id=wx201410272009395522657a690389285100",
    ) == (
        "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n"
        "prepay_id=wx201410272009395522657a690389285100\n"
    )  # the reference's official example (§1.9)


@pytest.mark.parametrize("tamper", ["nonceStr", "timeStamp", "paySign", "other_key"])
def test_forged_or_altered_paysign_is_refused(wxsandbox, tamper):
    appid, prepay_id = jsapi_order(wxsandbox, "PHONE0000003")
    params = sdk_params(wxsandbox, appid, prepay_id)
    if tamper == "nonceStr":
        params["nonceStr"] = "X" + params["nonceStr"][1:]
    elif tamper == "timeStamp":
        params["timeStamp"] = str(int(params["timeStamp"]) + 1)
    elif tamper == "paySign":
        params["paySign"] = params["paySign"][:-8] + "AAAAAAA="
    else:  # signed by someone who is not the merchant
        params = jsapi.sign_pay_request(
            generate_rsa_private_key_pem(), appid, prepay_id, params["timeStamp"], params["nonceStr"]
        )
    response = verify(wxsandbox, params)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_signature", "message": "支付验证签名失败"}


def test_paysign_for_another_appid_is_refused_even_when_correctly_signed(wxsandbox):
    _, prepay_id = jsapi_order(wxsandbox, "PHONE0000004")
    other = wxsandbox.app_of_kind("mini_program").appid
    params = jsapi.sign_pay_request(
        wxsandbox.merchant.merchant_private_key_pem, other, prepay_id, str(int(time.time())), "abc"
    )
    response = verify(wxsandbox, params)
    assert response.status_code == 400 and response.json()["error"] == "appid_mismatch"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"package": "prepay_id="}, "package 格式应为 prepay_id=***"),
        ({"package": "wx201410272009395522657a690389285100"}, "package 格式应为 prepay_id=***"),
        ({"signType": "MD5"}, "signType 必须为 RSA"),
        ({"timeStamp": "1414561699000"}, "timeStamp 应为10位秒级时间戳字符串"),
        ({"timeStamp": 1414561699}, "支付参数 timeStamp 必须是字符串"),
        ({"nonceStr": "n" * 33}, "nonceStr 不能超过32个字符"),
        ({"paySign": ""}, "支付参数缺少 paySign"),
    ],
)
def test_malformed_pay_requests_get_a_reason(wxsandbox, change, message):
    appid, prepay_id = jsapi_order(wxsandbox, "PHONE0000005")
    params = sdk_params(wxsandbox, appid, prepay_id) | change
    response = verify(wxsandbox, params)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "message": message}


def test_unknown_prepay_id_and_non_object_bodies(wxsandbox):
    appid = wxsandbox.app_of_kind(OFFICIAL_ACCOUNT).appid
    params = jsapi.sign_pay_request(
        wxsandbox.merchant.merchant_private_key_pem, appid, "wx2024nosuchprepay", str(int(time.time())), "abc"
    )
    response = verify(wxsandbox, params)
    assert response.status_code == 404 and response.json()["message"] == "预支付交易单不存在"
    assert (
        wxsandbox.client.post("/sandbox/phone/jsapi-verify", content=b"[1,2]").json()["error"]
        == "malformed_json"
    )
    assert wxsandbox.client.post("/sandbox/phone/jsapi-verify", content=b"{oops").status_code == 400


def test_paid_and_closed_orders_cannot_be_paid_again(wxsandbox):
    appid, prepay_id = jsapi_order(wxsandbox, "PHONE0000006")
    params = sdk_params(wxsandbox, appid, prepay_id)
    wxsandbox.control("POST", "pay/confirm", json={"prepay_id": prepay_id, "user_id": "xiaoming"})
    response = verify(wxsandbox, params)
    assert response.status_code == 409 and response.json()["message"] == "该订单已支付"

    appid, prepay_id = jsapi_order(wxsandbox, "PHONE0000007")
    assert peer(wxsandbox).close("PHONE0000007")[0] == 204
    response = verify(wxsandbox, sdk_params(wxsandbox, appid, prepay_id))
    assert response.status_code == 409 and response.json()["message"] == "订单已关闭，不能支付"


def test_only_jsapi_orders_can_be_paid_through_the_bridge(wxsandbox):
    """An H5 order's prepay_id is visible in its h5_url; WeChat's browser still refuses to pay it by JSAPI."""
    code, message = peer(wxsandbox, WeChatPayType.H5).pay(
        description="固态硬盘 1TB",
        out_trade_no="PHONE0000008",
        amount={"total": 49900},
        scene_info={"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}},
    )
    assert code == 200, message
    prepay_id = parse_qs(urlsplit(json.loads(message)["h5_url"]).query)["prepay_id"][0]
    response = verify(
        wxsandbox, sdk_params(wxsandbox, wxsandbox.app_of_kind(OFFICIAL_ACCOUNT).appid, prepay_id)
    )
    assert response.status_code == 409
    assert response.json()["error"] == "wrong_trade_type"


# -- JSAPI payment directories ([phone] config) -----------------------------------------------------------------


def with_directories(wxsandbox_factory, wxsandbox_base_config, directories):
    sections = dict(wxsandbox_base_config.sections) | {"phone": {"jsapi_pay_directories": directories}}
    return wxsandbox_factory(sections=sections)


def test_pages_outside_the_registered_payment_directories_cannot_pay(
    wxsandbox_factory, wxsandbox_base_config
):
    sb = with_directories(wxsandbox_factory, wxsandbox_base_config, ["http://127.0.0.1:8000/shop/pay/"])
    appid, prepay_id = jsapi_order(sb, "PHONE0000020")
    params = sdk_params(sb, appid, prepay_id)

    def ask(page_url):
        return verify(sb, params | ({} if page_url is None else {"page_url": page_url}))

    assert ask("http://127.0.0.1:8000/shop/pay/checkout?order=1#top").status_code == 200
    assert ask("HTTP://127.0.0.1:8000/shop/pay/index.html").status_code == 200  # scheme and host ignore case
    for page_url in (
        "http://127.0.0.1:8000/shop/pay/sub/checkout",  # a sub-directory is another directory
        "http://127.0.0.1:8000/shop/checkout",
        "http://127.0.0.1:8000/SHOP/pay/checkout",  # paths are case-sensitive
        "http://127.0.0.1:8001/shop/pay/checkout",
        "javascript:alert(1)",
        "",
        None,
    ):
        response = ask(page_url)
        assert response.status_code == 403, page_url
        assert response.json()["error"] == "url_not_registered"
        assert response.json()["message"].startswith("当前页面的URL未注册")
    assert verify(sb, params | {"page_url": 42}).status_code == 400


def test_a_registered_site_root_covers_every_page(wxsandbox_factory, wxsandbox_base_config):
    sb = with_directories(wxsandbox_factory, wxsandbox_base_config, ["http://127.0.0.1:8000/"])
    appid, prepay_id = jsapi_order(sb, "PHONE0000021")
    params = sdk_params(sb, appid, prepay_id)
    assert verify(sb, params | {"page_url": "http://127.0.0.1:8000/a/b/c/pay?x=1"}).status_code == 200
    assert verify(sb, params | {"page_url": "http://127.0.0.1:9000/pay"}).status_code == 403


@pytest.mark.parametrize(
    "section",
    [
        {"jsapi_pay_directories": "http://127.0.0.1:8000/pay/"},
        {"jsapi_pay_directories": ["http://127.0.0.1:8000/pay"]},
        {"jsapi_pay_directories": ["ftp://127.0.0.1/pay/"]},
        {"jsapi_pay_directories": ["http://127.0.0.1:8000/pay/?a=1"]},
        {"pay_directories": []},
    ],
)
def test_bad_phone_config_stops_the_sandbox_at_start(wxsandbox_base_config, section):
    config = dataclasses.replace(wxsandbox_base_config, sections={"phone": section})
    with pytest.raises(ConfigError, match=r"\[phone\]"):
        create_app(config)


# -- 扫一扫 ----------------------------------------------------------------------------------------------------


def scan(sb, text):
    response = sb.client.post("/sandbox/phone/scan", json={"text": text})
    assert response.status_code == 200, response.text
    return response.json()


def test_scan_recognises_native_code_url(wxsandbox):
    code, message = peer(wxsandbox, WeChatPayType.NATIVE).pay(
        description="罗技 MX Master 3S 鼠标", out_trade_no="PHONE0000010", amount={"total": 69900}
    )
    assert code == 200, message
    code_url = json.loads(message)["code_url"]
    found = scan(wxsandbox, f"  {code_url}\n")
    assert found["kind"] == "pay"
    assert found["order"]["ref"] == {"code_url": code_url}
    assert found["order"]["amount_total"] == 69900 and found["order"]["trade_type"] == "NATIVE"
    assert scan(wxsandbox, "weixin://wxpay/bizpayurl?pr=NoSuchCode") == {
        "kind": "unknown_pay",
        "text": "weixin://wxpay/bizpayurl?pr=NoSuchCode",
    }


def test_scan_recognises_h5_payment_urls(wxsandbox):
    code, message = peer(wxsandbox, WeChatPayType.H5).pay(
        description="固态硬盘 1TB",
        out_trade_no="PHONE0000011",
        amount={"total": 49900},
        scene_info={"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}},
    )
    assert code == 200, message
    h5_url = json.loads(message)["h5_url"]
    found = scan(wxsandbox, h5_url)
    assert found["kind"] == "pay" and found["order"]["ref"] == {"h5_url": h5_url}
    assert found["order"]["trade_type"] == "MWEB" and found["order"]["amount_total"] == 49900


def test_scan_recognises_scene_qr_codes_by_url_ticket_and_image(wxsandbox):
    oa = wxsandbox.app_of_kind(OFFICIAL_ACCOUNT)
    token = wxsandbox.access_token(oa)
    qr = wxsandbox.client.post(
        f"/cgi-bin/qrcode/create?access_token={token}",
        json={
            "expire_seconds": 600,
            "action_name": "QR_STR_SCENE",
            "action_info": {"scene": {"scene_str": "store-shenzhen"}},
        },
    ).json()
    expected = {
        "kind": "qrcode",
        "qrcode": {
            "appid": oa.appid,
            "ticket": qr["ticket"],
            "action_name": "QR_STR_SCENE",
            "scene": "store-shenzhen",
        },
    }
    assert scan(wxsandbox, qr["url"]) == expected
    assert scan(wxsandbox, qr["ticket"]) == expected
    image = (
        "https://mp.weixin.qq.com/cgi-bin/showqrcode?" + httpx.QueryParams({"ticket": qr["ticket"]}).__str__()
    )
    assert scan(wxsandbox, image) == expected
    assert scan(wxsandbox, "https://weixin.qq.com/q/unknown")["kind"] == "unknown_qrcode"
    wxsandbox.advance_clock(601)
    assert scan(wxsandbox, qr["url"])["kind"] == "unknown_qrcode"


def test_scan_recognises_mini_program_links_urls_and_plain_text(wxsandbox):
    mp = wxsandbox.app_of_kind("mini_program")
    token = wxsandbox.access_token(mp)
    link = wxsandbox.client.post(
        f"/wxa/generate_urllink?access_token={token}", json={"path": "pages/product/detail", "query": "id=42"}
    ).json()
    assert link.get("errcode", 0) == 0, link
    found = scan(wxsandbox, link["url_link"])
    assert found["kind"] == "link"
    assert found["link"]["appid"] == mp.appid and found["link"]["path"] == "pages/product/detail"
    assert found["link"]["query"] == "id=42"
    assert scan(wxsandbox, "http://127.0.0.1:8000/shop/?from=qr") == {
        "kind": "url",
        "url": "http://127.0.0.1:8000/shop/?from=qr",
    }
    assert scan(wxsandbox, "<script>alert(1)</script>") == {
        "kind": "text",
        "text": "<script>alert(1)</script>",
    }
    assert scan(wxsandbox, "javascript:alert(1)")["kind"] == "text"  # never opened as a page
    response = wxsandbox.client.post("/sandbox/phone/scan", json={"text": "   "})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert wxsandbox.client.post("/sandbox/phone/scan", json={"text": 42}).status_code == 400


# -- framing ----------------------------------------------------------------------------------------------------


def test_frameable_reads_x_frame_options_and_frame_ancestors(wxsandbox):
    pages = {
        "/open": {},
        "/deny": {"X-Frame-Options": "DENY"},
        "/same": {"X-Frame-Options": "SAMEORIGIN"},
        "/csp-none": {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"},
        "/csp-phone": {
            "Content-Security-Policy": f"frame-ancestors {wxsandbox.base_url}",
            "X-Frame-Options": "DENY",
        },  # frame-ancestors wins over X-Frame-Options
    }
    server = HttpReceiver()  # answers every GET with the headers given for its path
    server.respond = lambda request: (200, b"ok", pages.get(request.path.split("?")[0], {}))
    try:

        def check(path):
            response = wxsandbox.client.get(
                "/sandbox/phone/frameable", params={"url": server.base_url + path}
            )
            assert response.status_code == 200
            return response.json()

        assert check("/open")["frameable"] is True
        assert check("/deny") | {"status": None} == {
            "url": server.base_url + "/deny",
            "frameable": False,
            "reason": "X-Frame-Options: DENY",
            "reachable": True,
            "status": None,
        }
        assert check("/same")["frameable"] is False
        assert check("/csp-none")["reason"] == "Content-Security-Policy frame-ancestors"
        assert check("/csp-phone")["frameable"] is True
    finally:
        server.close()
    unreachable = wxsandbox.client.get(
        "/sandbox/phone/frameable", params={"url": server.base_url + "/gone"}
    ).json()
    assert (
        unreachable["reachable"] is False and unreachable["frameable"] is True
    )  # let the frame show the error
    elsewhere = wxsandbox.client.get(
        "/sandbox/phone/frameable", params={"url": "http://shop.invalid/pay"}
    ).json()
    assert elsewhere == {
        "url": "http://shop.invalid/pay",
        "frameable": False,
        "reachable": None,
        "reason": "跨站点页面在框架中无法保存登录 Cookie",
    }  # decided without a request
    bad = wxsandbox.client.get("/sandbox/phone/frameable", params={"url": "file:///etc/passwd"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"


def test_frame_verdict_same_origin_rules():
    phone = "http://127.0.0.1:9100"
    headers = httpx.Headers({"X-Frame-Options": "sameorigin"})
    assert framing.frame_verdict(headers, "http://127.0.0.1:9100/connect/oauth2/authorize", phone) == (
        True,
        "",
    )
    assert framing.frame_verdict(headers, "http://127.0.0.1:8000/", phone)[0] is False
    self_only = httpx.Headers({"Content-Security-Policy": "frame-ancestors 'self'"})
    assert framing.frame_verdict(self_only, "http://127.0.0.1:9100/x", phone) == (True, "")
    assert framing.frame_verdict(self_only, "http://127.0.0.1:8000/x", phone)[0] is False
    star = httpx.Headers({"Content-Security-Policy": "frame-ancestors *"})
    assert framing.frame_verdict(star, "http://127.0.0.1:8000/x", phone) == (True, "")


def test_frame_verdict_cross_site_pages_open_in_a_window():
    """SameSite=Lax cookies (Django's session) are withheld from cross-site frames: the login would not stick."""
    none = httpx.Headers({})
    cross = (False, "跨站点页面在框架中无法保存登录 Cookie")
    assert framing.frame_verdict(none, "http://localhost:8000/", "http://127.0.0.1:9100") == cross
    assert framing.frame_verdict(none, "https://127.0.0.1:8000/", "http://127.0.0.1:9100") == cross
    assert framing.frame_verdict(none, "http://shop.example.com/", "http://sandbox.example.com:9100") == (
        True,
        "",
    )
    assert framing.frame_verdict(none, "http://shop.example.org/", "http://sandbox.example.com") == cross
    assert framing.frame_verdict(none, "http://localhost:8000/", "http://localhost:9100") == (True, "")


def test_loading_the_phone_is_not_journaled_but_what_it_does_is(wxsandbox):
    c = wxsandbox.client
    since = max((e["id"] for e in wxsandbox.journal()), default=0)
    for path in (
        "/phone",
        "/phone/",
        "/phone/static/phone.js",
        "/phone/static/phone.css",
        "/phone/jsbridge.js",
    ):
        assert c.get(path, follow_redirects=False).status_code in (200, 307), path
    assert c.post("/sandbox/phone/scan", json={"text": "你好"}).status_code == 200
    assert c.get("/phone-not-the-phone").status_code == 404  # only the phone's own paths are quiet
    targets = [e["target"] for e in wxsandbox.journal(since_id=since)]
    assert targets == ["/sandbox/phone/scan", "/phone-not-the-phone"]


def test_a_fault_rule_for_everything_spares_the_phone_and_the_control_api(wxsandbox):
    wxsandbox.add_fault(target="*", http_status=503)
    c = wxsandbox.client
    for path in ("/phone/", "/phone/static/phone.js", "/phone/jsbridge.js", "/sandbox/users"):
        assert c.get(path).status_code == 200, path
    assert c.get("/phone", follow_redirects=False).status_code == 307
    assert c.post("/sandbox/phone/scan", json={"text": "你好"}).json()["kind"] == "text"
    assert c.get("/cgi-bin/token", params={"grant_type": "client_credential"}).status_code == 503
    assert c.get("/phone-not-the-phone").status_code == 503
