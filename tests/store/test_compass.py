"""Compass (罗盘) pulls against the live wxsandbox Store: the seeds' cadences as settings, the 2 h publication
delay respected, re-pulls idempotent, failures (45009, -1) leaving no half-written day, the console table."""

import datetime as dt

import pytest
from django.urls import reverse

from wxmall.celery import beat_schedule
from wxmall.store import compass
from wxmall.store.models import CompassKind, CompassSnapshot
from wxmall.wechat import client
from wxmall.wechat.errors import PermanentError

BEIJING = dt.timezone(dt.timedelta(hours=8))


def sandbox_now(sandbox) -> dt.datetime:
    return dt.datetime.fromtimestamp(sandbox.control("GET", "clock")["now"], BEIJING)


def advance_to(sandbox, when: dt.datetime) -> dt.datetime:
    sandbox.advance_clock((when - sandbox_now(sandbox)).total_seconds())
    return sandbox_now(sandbox)


@pytest.fixture
def traded_day(wx_store):
    """A Beijing day on which xiaoming pays 3 × ¥12.00 and lihua 1 × ¥12.00 of one sandbox product."""
    now = sandbox_now(wx_store)
    advance_to(wx_store, (now + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0))
    made = wx_store.control(
        "POST",
        "store/products/bulk",
        json={"products": [{"out_product_id": "CMP-1", "skus": [{"out_sku_id": "CMP-1-A", "sale_price": 1200,
                                                                  "stock": 50}]}]},
    )["products"][0]  # fmt: skip
    for user, count in (("xiaoming", 3), ("lihua", 1)):
        order = wx_store.control("POST", "store/orders", json={"user": user, "product_id": made["product_id"],
                                                                "sku_id": made["skus"][0]["sku_id"],
                                                                "count": count})["order"]  # fmt: skip
        wx_store.control("POST", f"store/orders/{order['order_id']}/pay")
    return sandbox_now(wx_store).date(), made["product_id"]


def day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), BEIJING)


def test_cadences_are_settings_and_beat_entries(settings):
    assert settings.STORE_CONTENT_METRICS_INTERVAL_SECONDS == 7200
    assert settings.STORE_CONTENT_METRICS_DELAY_SECONDS == 7200
    assert settings.STORE_USER_BEHAVIOUR_TIMES == ["03:00", "15:00"]
    schedule = beat_schedule()
    assert schedule["store-compass-content"]["schedule"] == 7200
    assert schedule["store-compass-content"]["task"] == "wxmall.store.pull_content_metrics"
    behaviour = [v for k, v in schedule.items() if k.startswith("store-compass-user-behaviour-")]
    assert sorted((next(iter(e["schedule"].hour)), next(iter(e["schedule"].minute))) for e in behaviour) == [
        (3, 0), (15, 0)]  # fmt: skip
    settings.STORE_USER_BEHAVIOUR_TIMES = ["09:30"]
    assert [k for k in beat_schedule() if "user-behaviour" in k] == ["store-compass-user-behaviour-0930"]


def test_ready_day_waits_for_the_publication_delay(settings):
    end = day_end(dt.date(2026, 3, 1))
    assert compass.ready_day(end + dt.timedelta(hours=2) - dt.timedelta(seconds=1)) == dt.date(2026, 2, 28)
    assert compass.ready_day(end + dt.timedelta(hours=2)) == dt.date(2026, 3, 1)
    settings.STORE_CONTENT_METRICS_DELAY_SECONDS = 0
    assert compass.ready_day(end) == dt.date(2026, 3, 1)


def test_day_is_pulled_only_after_the_delay_then_once(wx_store, traded_day, settings):
    settings.STORE_COMPASS_BACKFILL_DAYS = 1
    day, product_id = traded_day
    early = advance_to(wx_store, day_end(day) + dt.timedelta(hours=2) - dt.timedelta(minutes=1))
    assert compass.pull_content_metrics(early) == [day - dt.timedelta(days=1)]  # the day before, empty
    assert not CompassSnapshot.objects.filter(ds=day).exists()

    ready = advance_to(wx_store, day_end(day) + dt.timedelta(hours=2, seconds=5))
    assert compass.pull_content_metrics(ready) == [day]
    overall = CompassSnapshot.objects.get(ds=day, kind=CompassKind.OVERALL)
    assert (overall.pay_gmv, overall.pay_uv, overall.pay_cnt) == (4 * 1200, 2, 2)
    product = CompassSnapshot.objects.get(ds=day, kind=CompassKind.PRODUCT)
    assert (product.store_product_id, product.pay_gmv, product.pay_uv, product.pay_cnt) == (
        product_id,
        4800,
        2,
        4,
    )
    assert product.data["click_to_pay_uv_ratio"] == 1.0
    one = client("store").store.compass_product(day, product_id)
    assert (one.product_id, one.pay_gmv, one.pay_uv, one.pay_cnt, one.click_to_pay_uv_ratio) == (
        product_id, 4800, 2, 4, 1.0)  # fmt: skip
    with pytest.raises(PermanentError) as refused:  # a product the shop does not have
        client("store").store.compass_product(day, "10000000000999")
    assert refused.value.errcode == 10020052

    assert compass.pull_content_metrics(ready) == []  # already pulled: nothing is asked again
    compass.pull_content_day(day)  # a forced re-pull updates in place
    assert CompassSnapshot.objects.filter(ds=day).count() == 2

    assert compass.pull_user_behaviour(ready) == [day]
    profile = CompassSnapshot.objects.get(ds=day, kind=CompassKind.PROFILE)
    assert profile.pay_uv == 2 and profile.data["gender"] == [["男", 2]]
    assert sorted(profile.data["region"]) == [["北京", 1], ["广东", 1]]
    compass.pull_profile_day(day)
    assert CompassSnapshot.objects.filter(kind=CompassKind.PROFILE, ds=day).count() == 1


@pytest.mark.parametrize("errcode", [45009, -1])
def test_a_failing_call_writes_no_half_day_and_the_next_run_catches_up(
    wx_store, traded_day, settings, errcode
):
    settings.STORE_COMPASS_BACKFILL_DAYS = 1
    settings.WECHAT_RETRY_ATTEMPTS = 1
    day, _ = traded_day
    ready = advance_to(wx_store, day_end(day) + dt.timedelta(hours=3))
    # the overview answers, the product list fails: nothing of the day may be stored
    wx_store.add_fault(target="/channels/ec/compass/shop/product/list/get", errcode=errcode, times=20)
    assert compass.pull_content_metrics(ready) == []
    assert not CompassSnapshot.objects.exists()
    wx_store.clear_faults()
    assert compass.pull_content_metrics(ready) == [day]
    assert CompassSnapshot.objects.filter(ds=day, kind=CompassKind.OVERALL).get().pay_gmv == 4800


def test_a_day_the_store_has_not_published_is_not_stored(wx_store, traded_day, settings):
    """Hub and WeChat clocks disagree: the Store answers 'not yet' (10024001) and nothing is written."""
    settings.STORE_COMPASS_BACKFILL_DAYS = 1
    day, _ = traded_day
    advance_to(wx_store, day_end(day) + dt.timedelta(hours=1))
    assert compass.pull_content_metrics(day_end(day) + dt.timedelta(hours=2)) == []
    assert compass.pull_user_behaviour(day_end(day) + dt.timedelta(hours=2)) == []
    assert not CompassSnapshot.objects.exists()


def test_console_store_page_shows_the_compass_table(wx_store, traded_day, admin_client, settings):
    settings.STORE_COMPASS_BACKFILL_DAYS = 1
    day, product_id = traded_day
    ready = advance_to(wx_store, day_end(day) + dt.timedelta(hours=3))
    compass.pull_content_metrics(ready)
    compass.pull_user_behaviour(ready)
    page = admin_client.get(reverse("console:store")).content.decode()
    assert "罗盘数据" in page and day.strftime("%Y-%m-%d") in page
    assert "¥48.00" in page and product_id in page and "买家画像" in page
