"""Per-API stats: recorded per call, aggregated per minute across processes, shown in the console."""

import threading
from datetime import UTC, datetime

import pytest
from django.test import Client

from wxmall.customers.testing import as_owner
from wxmall.wechat.clients import registry
from wxmall.wechat.errors import PermanentError
from wxmall.wechat.metrics import Recorder
from wxmall.wechat.models import ApiCallStat
from wxmall.wechat.queries import api_stats, percentile_ms, success_rate


def _by_api(rows):
    return {r["api"]: r for r in rows}


def test_calls_are_counted_with_success_rate_and_latency(wechat):
    wx = wechat.client("oa")
    for _ in range(3):
        wx.user.list()
    wechat.sandbox.add_fault(target="mp.user.info", errcode=40003)
    with pytest.raises(PermanentError):
        wx.user.info("nobody")
    registry().recorder.flush()

    stats = _by_api(api_stats())
    assert stats["user.get"]["calls"] == 3 and stats["user.get"]["success_rate"] == 1.0
    assert stats["user.info"]["failed"] == 1 and stats["user.info"]["last_errcode"] == 40003
    assert stats["stable_token"]["calls"] == 1
    assert stats["user.get"]["p50_ms"] is not None and stats["user.get"]["appid"] == wx.appid
    assert success_rate(datetime(2000, 1, 1, tzinfo=UTC)) == pytest.approx(4 / 5)


def test_retried_attempts_are_each_recorded(wechat):
    wechat.sandbox.add_fault(target="mp.user.get", errcode=-1, times=1)
    wechat.client("oa").user.list()
    registry().recorder.flush()
    row = _by_api(api_stats())["user.get"]
    assert (row["calls"], row["ok"], row["last_errcode"]) == (2, 1, -1)


def test_flushes_from_many_recorders_add_up(transactional_db):
    recorders = [Recorder() for _ in range(4)]

    def work(rec):
        for i in range(50):
            rec.record("wx" + "1" * 16, "menu.get", i % 5 != 0, latency_ms=3)
        rec.flush()

    threads = [threading.Thread(target=work, args=(r,)) for r in recorders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    totals = ApiCallStat.objects.filter(api="menu.get")
    assert sum(r.calls for r in totals) == 200 and sum(r.ok for r in totals) == 160
    assert sum(r.le_2 for r in totals) == 200  # 3 ms falls in the ≤ 5 ms bucket


def test_percentiles_from_buckets():
    buckets = [0] * 14
    buckets[3] = 90  # ≤ 10 ms
    buckets[8] = 10  # ≤ 500 ms
    assert percentile_ms(buckets, 0.5) == 10
    assert percentile_ms(buckets, 0.95) == 500
    assert percentile_ms([0] * 14, 0.5) is None
    assert percentile_ms([0] * 13 + [1], 0.5) is None  # above the last bound


@pytest.fixture
def staff_client(db):
    from django.contrib.auth import get_user_model

    user = as_owner(get_user_model().objects.create_user("ops", password="x", is_staff=True))
    client = Client()
    client.force_login(user)
    return client


def test_console_page_lists_apis(wechat, staff_client):
    wechat.client("oa").user.list()
    registry().recorder.flush()
    page = staff_client.get("/console/wechat/?hours=1").content.decode()
    assert "user.get" in page and "公众号" in page and "100%" in page


def test_console_page_is_staff_only(db):
    assert Client().get("/console/wechat/").status_code == 302
