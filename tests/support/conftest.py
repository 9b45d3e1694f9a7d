import pytest


@pytest.fixture
def demo_shop(db):
    """The demo catalogue and the demo FAQ, as `make run` loads them."""
    from wxmall.catalog import demo as catalog_demo
    from wxmall.support import demo as support_demo

    catalog_demo.load()
    support_demo.load()
