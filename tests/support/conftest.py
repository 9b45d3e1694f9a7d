import pytest

from wxmall.customers.testing import as_owner

CALLBACK_TOKEN = "kfHubToken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.fixture
def demo_shop(db):
    """The demo catalogue and the demo FAQ, as `make run` loads them."""
    from wxmall.catalog import demo as catalog_demo
    from wxmall.support import demo as support_demo

    catalog_demo.load()
    support_demo.load()


@pytest.fixture
def oa_hub(live_server, settings, wxsandbox_factory, wxsandbox_base_config):
    """wxsandbox's Official Account pushing to a live hub (officialaccount's fixture of the same name)."""
    from officialaccount.conftest import oa_hub as officialaccount_oa_hub

    return officialaccount_oa_hub.__wrapped__(live_server, settings, wxsandbox_factory, wxsandbox_base_config)


@pytest.fixture
def agent(db):
    from wxmall.accounts.testing import make_customer

    return as_owner(make_customer("agent_wang", is_staff=True))


@pytest.fixture
def wecom_hub(request, oa_hub, live_server, settings):
    """A live hub with wxsandbox as both the OA and WeCom 微信客服, callbacks pointing at the hub; the user
    xiaoming follows and asks for a human (unless parametrized indirectly with \"fresh\")."""
    from wxmall.support import demo

    demo.load()
    sb = oa_hub("safe")
    corp = sb.control("GET", "kf/corp")
    settings.WECOM_API_BASE = sb.base_url
    settings.WECOM_CORP_ID = corp["corpid"]
    settings.WECOM_KF_SECRET = corp["secret"]
    settings.WECOM_KF_OPEN_KFID = corp["accounts"][0]["open_kfid"]
    settings.WECOM_KF_SERVICER = "zhangsan"
    settings.WECOM_CALLBACK_TOKEN = CALLBACK_TOKEN
    settings.WECOM_CALLBACK_AES_KEY = AES_KEY
    base = live_server.url.replace("localhost", "127.0.0.1")
    sb.control(
        "POST",
        "kf/config",
        json={
            "callback_url": f"{base}/wechat/wecom/callback/",
            "callback_token": CALLBACK_TOKEN,
            "encoding_aes_key": AES_KEY,
        },
    )
    if getattr(request, "param", None) != "fresh":
        sb.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
        sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "转人工"})
    sb.kfid = settings.WECOM_KF_OPEN_KFID
    return sb


# The message server's fast path (Redis dedupe, file spool) as officialaccount's tests switch it on.
from officialaccount.conftest import fast_path, oa, oa_redis, push  # noqa: E402, F401
