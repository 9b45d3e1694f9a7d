"""The client against wxsandbox on the real wire: envelopes, errcodes, retries, the token retry."""

import pytest

from wxmall.wechat.errors import (
    ConfigurationError,
    PermanentError,
    QuotaError,
    RetryableError,
    TransportError,
)
from wxmall.wechat.testing import token_fetches


def test_menu_round_trip_with_chinese(wechat):
    wx = wechat.client("oa")
    menu = {"button": [{"type": "view", "name": "商城", "url": "http://127.0.0.1:8000/"}]}
    wx.menu.create(menu)
    assert wx.menu.get()["menu"]["button"][0]["name"] == "商城"
    assert token_fetches(wechat.sandbox) == 1


def test_token_is_fetched_once_and_reused(wechat):
    wx = wechat.client("oa")
    for _ in range(5):
        wx.menu.create({"button": [{"type": "click", "name": "A", "key": "a"}]})
    assert token_fetches(wechat.sandbox) == 1


def test_system_busy_is_retried(wechat):
    wechat.sandbox.add_fault(target="mp.menu.create", errcode=-1, times=2)
    wechat.client("oa").menu.create({"button": [{"type": "click", "name": "A", "key": "a"}]})
    assert wechat.client("oa").menu.get()["menu"]["button"][0]["key"] == "a"


def test_system_busy_gives_up_after_the_configured_attempts(wechat, settings):
    wechat.sandbox.add_fault(target="mp.menu.create", errcode=-1)
    with pytest.raises(RetryableError) as info:
        wechat.client("oa").menu.create({"button": [{"type": "click", "name": "A", "key": "a"}]})
    assert info.value.errcode == -1
    calls = wechat.sandbox.journal(direction="in", path_prefix="/cgi-bin/menu/create")
    assert len(calls) == settings.WECHAT_RETRY_ATTEMPTS


def test_quota_is_not_retried(wechat):
    wechat.sandbox.add_fault(target="mp.menu.create", errcode=45009)
    with pytest.raises(QuotaError):
        wechat.client("oa").menu.create({"button": [{"type": "click", "name": "A", "key": "a"}]})
    assert len(wechat.sandbox.journal(direction="in", path_prefix="/cgi-bin/menu/create")) == 1


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_token_refused_once_expires_it_and_retries(wechat, errcode):
    wx = wechat.client("oa")
    wx.menu.create({"button": [{"type": "click", "name": "A", "key": "a"}]})
    # The sandbox clock jumps past the token's life: WeChat now answers 42001 to the old token.
    if errcode == 42001:
        wechat.sandbox.advance_clock(7300)
    else:
        wechat.sandbox.add_fault(target="mp.menu.get", errcode=40001, times=1)
    assert wx.menu.get()["menu"]["button"][0]["key"] == "a"
    if errcode == 42001:
        assert token_fetches(wechat.sandbox) == 2


def test_token_refused_twice_raises(wechat):
    wechat.sandbox.add_fault(target="mp.menu.get", errcode=40001, times=2)
    from wxmall.wechat.errors import TokenInvalidError

    with pytest.raises(TokenInvalidError):
        wechat.client("oa").menu.get()


def test_permanent_error_carries_errcode(wechat):
    with pytest.raises(PermanentError) as info:
        wechat.client("oa").message.send_text("not-an-openid", "你好")
    assert info.value.errcode == 40003


def test_wrong_secret_is_a_configuration_error(wechat, settings):
    apps = dict(settings.WECHAT_APPS)
    apps["oa"] = {"appid": apps["oa"]["appid"], "secret": "0" * 32}
    settings.WECHAT_APPS = apps
    with pytest.raises(ConfigurationError) as info:
        wechat.client("oa").menu.get()
    assert info.value.errcode == 40125


def test_unreachable_wechat_is_a_transport_error(db, settings):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.WECHAT_APPS = {"oa": {"appid": "wx" + "1" * 16, "secret": "a" * 32}}
    settings.WECHAT_RETRY_ATTEMPTS = 2
    from wxmall.wechat import client

    with pytest.raises(TransportError):
        client("oa").menu.get()


def test_http_500_is_retried_then_succeeds(wechat):
    wechat.sandbox.add_fault(target="mp.menu.get", http_status=503, times=1)
    wechat.client("oa").menu.create({"button": [{"type": "click", "name": "A", "key": "a"}]})
    assert wechat.client("oa").menu.get()["menu"]["button"][0]["key"] == "a"


def test_quota_on_the_token_fetch_backs_off_without_looping(wechat):
    wechat.sandbox.add_fault(target="mp.stable_token", errcode=45009)
    wx = wechat.client("oa")
    for _ in range(3):
        with pytest.raises(QuotaError):
            wx.menu.get()
    assert token_fetches(wechat.sandbox) == 1  # later callers see the back-off, WeChat is not asked again
    assert wechat.sandbox.journal(direction="in", path_prefix="/cgi-bin/menu/get") == []
