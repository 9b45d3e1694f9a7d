"""wxsandbox's article statistics (图文分析 datacube) over the wire, as a developer's server calls them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT

SUMMARY, TOTAL = "/datacube/getarticlesummary", "/datacube/getarticletotal"


def _beijing_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def oa(sb):
    token = sb.access_token(sb.app_of_kind(OFFICIAL_ACCOUNT))

    def call(path, body, access_token=token):
        return sb.client.post(path, params={"access_token": access_token}, json=body).json()

    return call


def _span(first: date, last: date | None = None) -> dict:
    return {"begin_date": first.isoformat(), "end_date": (last or first).isoformat()}


def test_an_articles_daily_and_total_figures(sb, oa):
    sent = _beijing_today() - timedelta(days=3)
    d1, d2 = sent, sent + timedelta(days=1)
    made = sb.control(
        "POST",
        "mp/datacube/articles",
        json={
            "title": "双十二装机指南",
            "sent_on": sent.isoformat(),
            "target_user": 1200,
            "days": {
                d1.isoformat(): {"int_page_read_user": 30, "int_page_read_count": 40, "share_user": 3},
                d2.isoformat(): {"int_page_read_user": 15, "int_page_read_count": 20, "share_count": 2},
            },
        },
    )
    msgid = made["msgid"]
    assert msgid.endswith("_1")
    # the second call for a day replaces its figures (a control re-run is idempotent)
    sb.control(
        "POST",
        "mp/datacube/articles",
        json={
            "msgid": msgid,
            "days": {d2.isoformat(): {"int_page_read_user": 16, "int_page_read_count": 21}},
        },
    )
    day1 = oa(SUMMARY, _span(d1))
    assert "errcode" not in day1
    [row] = day1["list"]
    assert (row["ref_date"], row["msgid"], row["title"]) == (d1.isoformat(), msgid, "双十二装机指南")
    assert (row["int_page_read_user"], row["int_page_read_count"], row["share_user"], row["share_count"]) == (
        30,
        40,
        3,
        0,
    )
    assert row["user_source"] == 0 and row["add_to_fav_user"] == 0
    [row2] = oa(SUMMARY, _span(d2))["list"]
    assert (row2["int_page_read_user"], row2["int_page_read_count"], row2["share_count"]) == (16, 21, 0)
    assert oa(SUMMARY, _span(sent - timedelta(days=1)))["list"] == []

    [total] = oa(TOTAL, _span(sent))["list"]
    assert total["msgid"] == msgid and total["ref_date"] == sent.isoformat()
    # the send day and each day after it up to yesterday, accumulated; target_user on each
    assert [(d["stat_date"], d["int_page_read_count"], d["target_user"]) for d in total["details"]] == [
        (d1.isoformat(), 40, 1200),
        (d2.isoformat(), 61, 1200),
        ((sent + timedelta(days=2)).isoformat(), 61, 1200),
    ]
    assert sb.control("GET", "mp/datacube/articles")[0]["msgid"] == msgid


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"begin_date": "2026-12-01"}, 61500),
        ({"begin_date": "2026/12/01", "end_date": "2026/12/01"}, 61500),
        ({"begin_date": "2026-02-30", "end_date": "2026-02-30"}, 61500),
        ({"begin_date": "2026-11-02", "end_date": "2026-11-01"}, 61501),  # begin after end
        ({"begin_date": "2026-11-01", "end_date": "2026-11-02"}, 61501),  # wider than 1 day
        ("today", 61501),  # the newest data is yesterday's
        ([], 47001),
    ],
)
def test_bad_date_ranges_get_wechats_errcodes(oa, body, errcode):
    if body == "today":
        body = _span(_beijing_today())
    assert oa(SUMMARY, body)["errcode"] == errcode
    assert oa(TOTAL, body)["errcode"] == errcode


def test_the_span_limit_is_a_setting(sb, oa):
    first = _beijing_today() - timedelta(days=3)
    assert oa(SUMMARY, _span(first, first + timedelta(days=2)))["errcode"] == 61501
    sb.control("POST", "mp/settings", json={"datacube_max_days": {"getarticlesummary": 3}})
    assert oa(SUMMARY, _span(first, first + timedelta(days=2))) == {"list": []}
    assert oa(TOTAL, _span(first, first + timedelta(days=2)))["errcode"] == 61501  # its own limit


def test_tokens_are_checked_and_only_official_accounts_may_ask(sb, oa):
    yesterday = _span(_beijing_today() - timedelta(days=1))
    assert oa(SUMMARY, yesterday, access_token="")["errcode"] == 41001
    assert oa(SUMMARY, yesterday, access_token="12_" + "x" * 80)["errcode"] == 40001
    mp_token = sb.access_token(sb.app_of_kind(MINI_PROGRAM))
    assert oa(SUMMARY, yesterday, access_token=mp_token)["errcode"] == 48001
    assert oa("/datacube/getarticlesummry", yesterday)["errcode"] == 40066  # a mistyped API


def test_the_control_endpoint_refuses_bad_articles(sb):
    def refused(body):
        return sb.client.post("/sandbox/mp/datacube/articles", json=body).status_code

    assert refused({"days": {}}) == 400  # no title for a new article
    assert refused({"title": "t", "days": {"2026-13-01": {}}}) == 400
    assert refused({"title": "t", "days": {"2026-12-01": {"int_page_read_user": -1}}}) == 400
    assert refused({"title": "t", "days": {"2026-12-01": {"reads": 1}}}) == 400  # not a datacube figure
    assert refused({"title": "t", "sent_on": "2026-12-02", "days": {"2026-12-01": {}}}) == 400
    assert refused({"title": "t", "msgid": "x; DROP"}) == 400
    assert sb.control("GET", "mp/datacube/articles") == []
