"""The dashboards' figures on the known data set of conftest.py, every number worked out by hand there."""

from datetime import date

import pytest

from wxmall.analytics import queries

from .conftest import D1, D2

pytestmark = pytest.mark.django_db


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
