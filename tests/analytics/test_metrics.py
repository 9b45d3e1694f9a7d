"""The dashboards' figures on a small known data set, every number worked out by hand below.

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

pytestmark = pytest.mark.django_db
D1, D2 = date(2026, 12, 1), date(2026, 12, 2)


@pytest.fixture
def data_set():
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


def test_overview(data_set):
    with queries.Board(data_set) as board:
        o = board.overview()
    assert (o["uv"], o["pv"], o["orders"], o["paid_orders"], o["gmv"]) == (5, 8, 4, 3, 35000)
    assert o["arpu"] == 7000  # 350.00 over 5 visitors = 70.00
    assert o["aov"] == pytest.approx(35000 / 3)
    assert o["repurchase_rate"] == 0.5  # customer 1 of customers 1 and 2


def test_per_channel_conversion_and_gmv_share(data_set):
    with queries.Board(data_set) as board:
        rows = {r["key"]: r for r in board.by("channel")}
    assert set(rows) == {"oa_menu", "live", "moments_ad", "direct"}
    menu, live, ad, direct = rows["oa_menu"], rows["live"], rows["moments_ad"], rows["direct"]
    assert (menu["uv"], menu["pv"], menu["ordering"], menu["paying"], menu["gmv"]) == (1, 3, 1, 1, 15000)
    assert (live["uv"], live["gmv"], live["conv_pay"], live["label"]) == (1, 20000, 1.0, "直播")
    assert (ad["uv"], ad["pv"], ad["conv_order"], ad["gmv"]) == (1, 2, 0.0, 0)
    assert (direct["uv"], direct["ordering"], direct["paying"], direct["conv_order"]) == (2, 1, 0, 0.5)
    assert live["gmv_share"] == pytest.approx(20000 / 35000) and menu["gmv_share"] == pytest.approx(
        15000 / 35000
    )


def test_campaign_roi_ctr_and_dwell(data_set):
    with queries.Board(data_set) as board:
        rows = {r["key"]: r for r in board.campaigns()}
    assert rows["双十二"]["roi"] == 1.5  # 150.00 of GMV for 100.00 spent
    ad = rows["朋友圈投放"]
    assert (ad["spend"], ad["roi"], ad["ctr"], ad["dwell_ms"]) == (50000, 0.0, 0.02, 20000)
    assert rows["直播节"]["roi"] is None  # no spend entered: no ROI, not an infinite one


def test_funnel_retention_and_live_conversion(data_set):
    with queries.Board(data_set) as board:
        funnel = [step["visitors"] for step in board.funnel()]
        retention = board.retention()
        lives = board.contents(queries.VIDEO_CHANNELS)
        daily = board.daily()
    assert funnel == [5, 2, 1, 1, 3, 2]
    assert [(c["cohort"], c["size"], c["days"][1]) for c in retention] == [
        ("2026-12-01", 4, 2),
        ("2026-12-02", 1, 0),
    ]
    assert retention[0]["rates"][1] == 0.5  # A and C came back the next day
    assert [(c["key"], c["views"], c["uv"], c["paying"], c["gmv"]) for c in lives] == [
        ("live-7", 1, 1, 1, 20000)
    ]
    assert daily == [
        {"day": "2026-12-01", "uv": 4, "pv": 5, "gmv": 30000},
        {"day": "2026-12-02", "uv": 3, "pv": 3, "gmv": 5000},
    ]


def test_filters_narrow_to_a_channel_a_day_and_first_touch(data_set):
    with queries.Board(queries.Filters(start=D1, end=D2, channel="live")) as board:
        assert (board.overview()["uv"], board.overview()["gmv"]) == (1, 20000)
    with queries.Board(queries.Filters(start=D2, end=D2)) as board:
        assert (board.overview()["uv"], board.overview()["gmv"]) == (3, 5000)
    with queries.Board(queries.Filters(start=date(2026, 11, 1), end=date(2026, 11, 2))) as board:
        assert board.overview()["uv"] == 0 and board.funnel()[0]["visitors"] == 0
