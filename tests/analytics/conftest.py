"""Fixtures of the analytics tests, and the small known data set every figure is checked on by hand.

Two days, D1 and D2. Links: an OA-menu link (campaign 双十二), a live-session link (直播节, live-7),
a Moments-ad link (朋友圈投放). Visitors:
  A  via the menu:  D1 2 page views, product view, add to cart, checkout, order O1 paid 100.00;
                    D2 1 page view, order O3 paid 50.00 (customer 1 buys twice)
  B  via the live:  D1 1 page view, live view, product view, order O2 paid 200.00 (customer 2)
  C  via the ad:    D1 1 page view, left after 30 s; D2 1 page view, left after 10 s
  D  direct:        D1 1 page view
  E  direct:        D2 1 page view, order O4 of 30.00 placed, never paid (customer 3)
Spend on D1: 朋友圈投放 500.00 (10,000 impressions, 200 clicks), 双十二 100.00.
"""

from datetime import date

import pytest

from wxmall.analytics import queries
from wxmall.analytics.actions import save_spend
from wxmall.analytics.testing import at, event, write_events
from wxmall.marketing.testing import make_link

D1, D2 = date(2026, 12, 1), date(2026, 12, 2)


@pytest.fixture(autouse=True)
def analytics_dir(settings, tmp_path):
    """Each test its own event store."""
    settings.ANALYTICS_DIR = str(tmp_path / "analytics")
    return tmp_path / "analytics"


@pytest.fixture
def data_set(db):
    menu = make_link(channel="oa_menu", campaign="双十二", content_id="menu-1")
    live = make_link(channel="live", campaign="直播节", content_id="live-7")
    ad = make_link(channel="moments_ad", campaign="朋友圈投放", content_id="ad-1")
    t1, t2 = at(D1), at(D2)

    def via(link):
        return {"first_link": link.pk, "last_link": link.pk}

    rows = [
        event("page_view", "A", t1, **via(menu)),
        event("page_view", "A", t1 + 1, **via(menu)),
        event("product_view", "A", t1 + 2, product_id=5, **via(menu)),
        event("add_to_cart", "A", t1 + 3, product_id=5, **via(menu)),
        event("checkout", "A", t1 + 4, **via(menu)),
        event("order_placed", "A", t1 + 5, order_no="O1", amount=10000, user_id=1, **via(menu)),
        event("order_paid", "A", t1 + 6, order_no="O1", amount=10000, user_id=1, **via(menu)),
        event("page_view", "A", t2, **via(menu)),
        event("order_placed", "A", t2 + 1, order_no="O3", amount=5000, user_id=1, **via(menu)),
        event("order_paid", "A", t2 + 2, order_no="O3", amount=5000, user_id=1, **via(menu)),
        event("page_view", "B", t1, **via(live)),
        event("live_view", "B", t1 + 1, content_id="live-7", **via(live)),
        event("product_view", "B", t1 + 2, product_id=6, **via(live)),
        event("order_placed", "B", t1 + 3, order_no="O2", amount=20000, user_id=2, **via(live)),
        event("order_paid", "B", t1 + 4, order_no="O2", amount=20000, user_id=2, **via(live)),
        event("page_view", "C", t1, **via(ad)),
        event("page_leave", "C", t1 + 30000, duration_ms=30000, **via(ad)),
        event("page_view", "C", t2, **via(ad)),
        event("page_leave", "C", t2 + 10000, duration_ms=10000, **via(ad)),
        event("page_view", "D", t1),
        event("page_view", "E", t2),
        event("order_placed", "E", t2 + 1, order_no="O4", amount=3000, user_id=3),
    ]
    write_events(rows[:11])  # two parts, so the view reads across files
    write_events(rows[11:])
    save_spend("朋友圈投放", D1, 50000, impressions=10000, clicks=200)
    save_spend("双十二", D1, 10000)
    return queries.Filters(start=D1, end=D2)
