import pytest

from wxmall.store.testing import store_settings


@pytest.fixture
def store(db, settings):
    """The store app configured (appid, push token and key) with a bound enterprise shop."""
    from wxmall.store.testing import make_shop

    store_settings(settings)
    return make_shop()
