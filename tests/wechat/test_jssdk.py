"""JS-SDK config: the official signature vector, the sandbox's wx.config check, and the origin rule."""

import pytest
from django.test import Client

from wxmall.wechat import jssdk
from wxmall.wechat.testing import token_fetches

TICKET = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"


def test_official_example_vector():
    assert (
        jssdk.signature(TICKET, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")
        == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    )
    # the older doc revision's vector, and the fragment never takes part
    assert (
        jssdk.signature(TICKET, "Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com#wechat_redirect")
        == "f4d90daf4b3bca3078ab155816175ba34c443a7b"
    )


def test_config_passes_the_wechat_clients_own_check(wechat, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    url = "http://127.0.0.1:8000/products/3?from=timeline&x=中文#top"
    config = jssdk.config_for(url)
    verdict = wechat.sandbox.control("POST", "mp/jssdk/verify", json=config | {"url": url.split("#")[0]})
    assert verdict == {"ok": True, "errMsg": "config:ok"}
    tampered = config | {"url": "http://127.0.0.1:8000/products/4?from=timeline&x=中文"}
    assert wechat.sandbox.control("POST", "mp/jssdk/verify", json=tampered)["ok"] is False


def test_ticket_is_fetched_once_for_many_pages(wechat):
    for n in range(5):
        jssdk.config_for(f"http://127.0.0.1:8000/p/{n}")
    assert token_fetches(wechat.sandbox, "/cgi-bin/ticket/getticket") == 1


def test_endpoint_signs_own_pages(wechat):
    response = Client().get("/api/wechat/jssdk-config", {"url": "http://127.0.0.1:8000/cart"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"appId", "timestamp", "nonceStr", "signature"}
    assert body["appId"] == wechat.client("oa").appid


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/cart",
        "http://127.0.0.1:8000@evil.example/cart",  # userinfo trick: the host is evil.example
        "http://evil.example/?next=http://127.0.0.1:8000/",
        "http://127.0.0.1:8001/cart",  # another port is another origin
        "https://127.0.0.1:8000/cart",  # another scheme too
        "javascript:alert(1)//127.0.0.1:8000/",
        "//127.0.0.1:8000/cart",
        "http://127.0.0.1:8000/ca rt",
        "http://127.0.0.1:8000/\r\nX: y",
        "http://127.0.0.1:8000:abc/",
        "http://127.0.0.1:8000/" + "a" * 3000,
    ],
)
def test_endpoint_refuses_foreign_or_tampered_urls(wechat, url):
    response = Client().get("/api/wechat/jssdk-config", {"url": url})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in ("wechat_jssdk_url_not_allowed", "invalid_request")
    assert "evil" not in response.content.decode() and "alert" not in response.content.decode()
    assert token_fetches(wechat.sandbox) == 0  # refused before anything reaches WeChat


def test_explicit_allowed_host_is_signed(wechat, settings):
    settings.SITE_URL = "https://shop.example"
    settings.ALLOWED_HOSTS = ["testserver", "shop.example", "m.shop.example"]
    assert Client().get("/api/wechat/jssdk-config", {"url": "https://m.shop.example/x"}).status_code == 200
    assert Client().get("/api/wechat/jssdk-config", {"url": "http://m.shop.example/x"}).status_code == 400


def test_missing_url_is_a_400(wechat):
    assert Client().get("/api/wechat/jssdk-config").status_code == 400


def test_wechat_down_is_a_503_without_details(db, settings):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"
    settings.WECHAT_APPS = {"oa": {"appid": "wx" + "1" * 16, "secret": "a" * 32}}
    settings.WECHAT_RETRY_ATTEMPTS = 1
    response = Client().get("/api/wechat/jssdk-config", {"url": "http://127.0.0.1:8000/"})
    assert response.status_code == 503
    assert response.json()["code"] == "wechat_unavailable"


def test_not_configured_is_a_503(db, settings):
    settings.WECHAT_APPS = {"oa": {"appid": "", "secret": ""}}
    response = Client().get("/api/wechat/jssdk-config", {"url": "http://127.0.0.1:8000/"})
    assert response.status_code == 503 and response.json()["code"] == "wechat_not_configured"
