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
    """The hub wired to a live wxsandbox, the Store client authenticating as a sandbox app (same token
    wire as any app), and a bound shop. Until the sandbox emulates /channels/ec/* its fault rules still
    answer on those paths, which is what the fault tests use."""
    from wxmall.store.testing import make_shop, store_settings
    from wxmall.wechat.clients import registry
    from wxmall.wechat.testing import forget_credentials, sandbox_apps, use_sandbox

    use_sandbox(settings, wxsandbox)
    apps = sandbox_apps(wxsandbox)
    settings.WECHAT_APPS = {**settings.WECHAT_APPS, "store": dict(apps["oa"])}
    store_settings(settings, appid=apps["oa"]["appid"])
    settings.WECHAT_RETRY_BACKOFF_SECONDS = 0.01
    settings.WECHAT_RETRY_BACKOFF_MAX_SECONDS = 0.02
    forget_credentials(settings)
    registry().recorder.discard()
    make_shop(appid=apps["oa"]["appid"])
    return wxsandbox
