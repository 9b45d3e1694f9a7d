"""Compass (罗盘) shop data per reference §8.8: day figures from the sandbox's own orders and refunds, only
after the configured delay, with errcodes for a malformed, too old or not yet produced ``ds``."""

import datetime as dt

import pytest

BEIJING = dt.timezone(dt.timedelta(hours=8))


def morning(store) -> str:
    """Move the sandbox clock to the next 10:00 Beijing time (so a test's orders share one day); its ds."""
    now = dt.datetime.fromtimestamp(store.handle.control("GET", "clock")["now"], BEIJING)
    target = (now + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    store.handle.advance_clock((target - now).total_seconds())
    store.refresh_token()
    return target.strftime("%Y%m%d")


def seconds_until(store, ds: str, hours_after_day_end: float) -> float:
    day_end = dt.datetime.strptime(ds, "%Y%m%d").replace(tzinfo=BEIJING) + dt.timedelta(days=1)
    return day_end.timestamp() + hours_after_day_end * 3600 - store.handle.control("GET", "clock")["now"]


def buy(store, user, product_id, sku_id, count=1, pay=True):
    order = store.control("POST", "orders", json={"user": user, "product_id": product_id, "sku_id": sku_id,
                                                  "count": count})["order"]  # fmt: skip
    if pay:
        store.control("POST", f"orders/{order['order_id']}/pay")
    return order["order_id"]


@pytest.fixture
def day(store):
    """One day of trade: xiaoming pays 2×A, lihua pays 1×B and is refunded, wangfang orders A unpaid."""
    ds = morning(store)
    a = store.add_product()
    b = store.add_product(out_product_id="PC-ASSEMBLY-002")
    a_sku, b_sku = store.sku_ids(a)[0], store.sku_ids(b)[1]
    buy(store, "xiaoming", a, a_sku, 2)
    refunded = buy(store, "lihua", b, b_sku)
    buy(store, "wangfang", a, a_sku, pay=False)
    after = store.control("POST", "aftersales", json={"order_id": refunded, "type": "REFUND"})
    store.ok(
        "aftersale/acceptapply", {"after_sale_order_id": after["after_sale_order"]["after_sale_order_id"]}
    )
    return ds, a, b


def test_day_figures_appear_only_after_the_delay_and_match_the_orders(store, day):
    ds, a, b = day
    paths = (
        "compass/shop/overall/get",
        "compass/shop/product/list/get",
        "compass/shop/sale/profile/data/get",
    )
    for path in paths:  # the day is still running
        assert store.errcode(path, {"ds": ds}) == 10024001
    store.handle.advance_clock(seconds_until(store, ds, 2) - 60)
    store.refresh_token()
    for path in paths:  # one minute short of the 2 h delay
        assert store.errcode(path, {"ds": ds}) == 10024001
    assert store.errcode("compass/shop/product/data/get", {"ds": ds, "product_id": a}) == 10024001
    store.handle.advance_clock(61)

    overall = store.ok("compass/shop/overall/get", {"ds": ds})["data"]
    assert overall == {
        "pay_gmv": str(2 * 399900 + 469900),
        "pay_uv": "2",
        "pay_order_cnt": "2",
        "refund_gmv": "469900",
        "refund_order_cnt": "1",
        "pay_refund_ratio": round(469900 / (2 * 399900 + 469900), 4),
    }
    listed = {
        p["product_id"]: p["data"]
        for p in store.ok("compass/shop/product/list/get", {"ds": ds})["product_list"]
    }
    assert listed[a] == {"pay_gmv": "799800", "pay_uv": "1", "pay_cnt": "2", "click_uv": "2",
                         "click_to_pay_uv_ratio": 0.5}  # fmt: skip
    assert listed[b]["pay_gmv"] == "469900" and listed[b]["click_to_pay_uv_ratio"] == 1.0
    one = store.ok("compass/shop/product/data/get", {"ds": int(ds), "product_id": int(b)})
    assert one["product_id"] == b and one["data"] == listed[b]
    profile = store.ok("compass/shop/sale/profile/data/get", {"ds": ds})["data"]
    assert profile["pay_uv"] == "2"
    assert profile["gender_distribution"] == [{"key": "男", "value": "2"}]  # the unpaid 王芳 is not a buyer
    assert profile["region_distribution"] == [{"key": "北京", "value": "1"}, {"key": "广东", "value": "1"}]
    assert profile["age_distribution"] == [{"key": "未知", "value": "2"}]

    previous = (dt.datetime.strptime(ds, "%Y%m%d") - dt.timedelta(days=1)).strftime("%Y%m%d")
    assert store.ok("compass/shop/overall/get", {"ds": previous})["data"]["pay_gmv"] == "0"
    assert store.ok("compass/shop/product/list/get", {"ds": previous})["product_list"] == []


def test_delays_and_the_not_ready_errcode_are_settings(store):
    ds = morning(store)
    store.control(
        "POST", "settings", json={"compass_overall_delay_seconds": 0, "compass_not_ready_errcode": 61500}
    )
    assert store.errcode("compass/shop/overall/get", {"ds": ds}) == 61500
    store.handle.advance_clock(seconds_until(store, ds, 0) + 1)
    store.refresh_token()
    assert store.ok("compass/shop/overall/get", {"ds": ds})["data"]["pay_order_cnt"] == "0"
    assert store.errcode("compass/shop/product/list/get", {"ds": ds}) == 61500


@pytest.mark.parametrize(
    "ds",
    [
        None,
        "",
        "2026-01-01",
        "20261301",
        "20260230",
        "2026010",
        "２０２６０１０１",
        True,
        20260101.0,
        ["20260101"],
    ],
)
def test_malformed_ds_answers_40097(quiet_store, ds):
    body = {} if ds is None else {"ds": ds}
    assert quiet_store.errcode("compass/shop/overall/get", body) == 40097


def test_too_old_day_unknown_product_and_get_are_refused(quiet_store):
    assert quiet_store.errcode("compass/shop/overall/get", {"ds": "20000101"}) == 40097
    now = dt.datetime.fromtimestamp(quiet_store.handle.control("GET", "clock")["now"], BEIJING)
    two_days_ago = (now - dt.timedelta(days=2)).strftime("%Y%m%d")
    body = {"ds": two_days_ago, "product_id": "10000000000999"}
    assert quiet_store.errcode("compass/shop/product/data/get", body) == 10020052
    assert quiet_store.errcode("compass/shop/product/data/get", {"ds": two_days_ago}) == 10020052
    assert quiet_store.errcode("compass/shop/overall/get", method="GET") == 43002
