import pytest

from wxmall.store.testing import store_settings


@pytest.fixture
def store(db, settings):
    """The store app configured (appid, push token and key) with a bound enterprise shop."""
    from wxmall.store.testing import make_shop

    store_settings(settings)
    return make_shop()


@pytest.fixture
def wx_store(db, settings, wxsandbox):
    """The hub wired to a live wxsandbox's WeChat Store (its seeded shop app: AppID/AppSecret, push Token
    and EncodingAESKey), with the shop connected through basics/info/get."""
    from wxmall.store.actions import binding
    from wxmall.wechat.clients import registry
    from wxmall.wechat.testing import forget_credentials, use_sandbox
    from wxsandbox.config import STORE

    use_sandbox(settings, wxsandbox)
    app = wxsandbox.app_of_kind(STORE)
    settings.WECHAT_APPS = {**settings.WECHAT_APPS, "store": {"appid": app.appid, "secret": app.secret}}
    settings.WECHAT_STORE_PUSH_TOKEN = app.token
    settings.WECHAT_STORE_PUSH_AES_KEY = app.encoding_aes_key
    settings.WECHAT_RETRY_BACKOFF_SECONDS = 0.01
    settings.WECHAT_RETRY_BACKOFF_MAX_SECONDS = 0.02
    forget_credentials(settings)
    registry().recorder.discard()
    binding.connect()
    return wxsandbox
