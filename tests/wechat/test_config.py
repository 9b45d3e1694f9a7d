"""WeChat app settings: production refuses missing or malformed apps; the demo needs no env."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from wxmall.wechat.config import NotConfigured, app_problems, get_app, validate_apps

GOOD = {"appid": "wx" + "0123456789abcdef", "secret": "0123456789abcdef" * 2}


def test_good_and_absent_apps_pass():
    assert app_problems({"oa": GOOD, "store": {"appid": "", "secret": ""}}) == []


@pytest.mark.parametrize(
    ("app", "needle"),
    [
        ({"appid": GOOD["appid"], "secret": ""}, "WECHAT_OA_SECRET is missing"),
        ({"appid": "", "secret": GOOD["secret"]}, "WECHAT_OA_APPID is missing"),
        ({"appid": "wx123", "secret": GOOD["secret"]}, "WECHAT_OA_APPID must be"),
        ({"appid": "WX" + "0123456789ABCDEF", "secret": GOOD["secret"]}, "WECHAT_OA_APPID must be"),
        ({"appid": GOOD["appid"], "secret": "not-hex" * 5}, "WECHAT_OA_SECRET must be"),
    ],
)
def test_missing_or_malformed_apps_are_named(app, needle):
    [problem] = app_problems({"oa": app})
    assert needle in problem
    assert app["secret"] not in problem or not app["secret"]  # never echo a secret


def test_production_refuses_to_start(settings):
    settings.DEMO = False
    settings.WECHAT_APPS = {"oa": {"appid": GOOD["appid"], "secret": ""}}
    with pytest.raises(ImproperlyConfigured, match="WECHAT_OA_SECRET"):
        validate_apps()
    settings.WECHAT_APPS = {"oa": GOOD}
    validate_apps()


def test_demo_reads_the_sandbox_secret(db, settings, wxsandbox):
    from django.core.cache import cache

    cache.clear()
    settings.DEMO = True
    settings.WECHAT_API_BASE = wxsandbox.base_url
    oa = wxsandbox.app_of_kind("official_account")
    settings.WECHAT_APPS = {"oa": {"appid": oa.appid, "secret": ""}}
    assert get_app("oa").secret == oa.secret
    settings.DEMO = False
    assert get_app("oa").secret == ""  # outside the demo nothing is looked up


def test_unconfigured_app_raises(settings):
    settings.WECHAT_APPS = {"oa": {"appid": "", "secret": ""}}
    with pytest.raises(NotConfigured):
        get_app("oa")


def test_beat_refreshes_credentials_ahead_of_expiry(wechat):
    from wxmall.celery import beat_schedule
    from wxmall.wechat.tasks import refresh_credentials

    assert beat_schedule()["wechat-refresh-credentials"]["task"] == "wxmall.wechat.refresh_credentials"
    assert refresh_credentials() == 3  # oa token + oa jsapi_ticket + mp token, none stored yet
    assert refresh_credentials() == 0  # nothing due now
