import pytest


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

    return make_customer("agent_wang", is_staff=True)
