"""Compass (罗盘) shop data (reference §8.8): day figures computed from the sandbox's own Store orders.

  POST /channels/ec/compass/shop/overall/get           {ds}              → data{pay_gmv, pay_uv, pay_order_cnt,
                                                                            refund_gmv, refund_order_cnt,
                                                                            pay_refund_ratio}
  POST /channels/ec/compass/shop/product/data/get      {ds, product_id}  → product_id, data{…per product}
  POST /channels/ec/compass/shop/product/list/get      {ds}              → product_list[{product_id, data{…}}]
  POST /channels/ec/compass/shop/sale/profile/data/get {ds}              → data{gender/age/region distributions}

``ds`` is a day ``YYYYMMDD`` in Beijing time (UTC+8). The reference names only the metrics; the rest is a
sandbox choice, documented here: money figures are fen, and every metric is a numeric *string* (as the SDKs
declare them) except ratios, which are floats in [0, 1]. A day counts the orders *paid* in it (pay_time
within the day, whatever their status now) and the refunds *made* in it (after-sales that reached
MERCHANT_REFUND_SUCCESS / MERCHANT_RETURN_SUCCESS). Per product: pay_gmv (the line's real_price), pay_uv,
pay_cnt (items), and click_uv = the distinct buyers who *placed* an order for it that day (the sandbox has no
product views, so a placed order stands for a click); click_to_pay_uv_ratio = pay_uv / click_uv.
The buyer profile counts the day's paying buyers by sandbox user ``sex`` (男/女/未知), ``province`` (``未知``
when empty) and age band; sandbox users carry no age, so every buyer falls in ``未知``.

A day's data exist only ``compass_*_delay_seconds`` after the day ends (defaults 2 h, the seeds' content
metric delay); before that, and for today or a future day, the answer is ``compass_not_ready_errcode``
(unconfirmed; default 10024001 数据尚未产出). A malformed ``ds`` or one older than ``compass_history_days``
answers 40097; an unknown product 10020052.

  POST /channels/ec/compass/shop/live/list/get          {ds}              → live_list[{export_id, finder_id,
                                                                            nickname, description, status,
                                                                            start_time, end_time, data{…}}]

The live list (path per the reference, fields a sandbox choice) has the day's sessions of the shop's bound
accounts (lives.py): status 0 scheduled, 1 live, 2 ended, 3 cancelled; data{viewer_pv, viewer_uv,
pay_order_cnt, pay_gmv, pay_uv, reservation_cnt} as numeric strings. It answers in real time for the
running day (``compass_live_delay_seconds`` after the day *begins*, default 0), so a session's figures
can be followed while it is on air.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from starlette.routing import Route

from wxsandbox.config import AppConfig
from wxsandbox.store import lives
from wxsandbox.store import settings as store_settings
from wxsandbox.store.errors import StoreError
from wxsandbox.store.http import id_of, store_api

BEIJING = dt.timezone(dt.timedelta(hours=8))
_PAID_STATUSES = (20, 21, 30, 100, 190, 200)
_REFUNDED = ("MERCHANT_REFUND_SUCCESS", "MERCHANT_RETURN_SUCCESS")
_SEX = {1: "男", 2: "女"}


def _day(sandbox: Any, data: dict[str, Any], delay: float, *, realtime: bool = False) -> tuple[int, int]:
    """[start, end) of ``ds`` in unix seconds, once its data exist (40097 / not-ready errcode otherwise):
    ``delay`` after the day ends, or with ``realtime`` ``delay`` after it begins (figures of a running day)."""
    ds = data.get("ds")
    if isinstance(ds, int) and not isinstance(ds, bool):
        ds = str(ds)
    if not isinstance(ds, str) or len(ds) != 8 or not ds.isascii() or not ds.isdigit():
        raise StoreError(40097, "ds")
    try:
        day = dt.datetime.strptime(ds, "%Y%m%d").replace(tzinfo=BEIJING)
    except ValueError:
        raise StoreError(40097, "ds") from None
    settings = store_settings.load(sandbox)
    start = int(day.timestamp())
    end = start + 86400
    now = sandbox.clock.timestamp()
    if now - end > settings.compass_history_days * 86400:
        raise StoreError(40097, "ds")
    if now < (start if realtime else end) + delay:
        raise StoreError(settings.compass_not_ready_errcode)
    return start, end


def _paid_orders(sandbox: Any, appid: str, start: int, end: int) -> list[tuple[str, dict[str, Any]]]:
    # pay_time lives in the document; a paid order was created before and updated at or after its payment
    rows = sandbox.state.query(
        "SELECT user_id, doc FROM store_orders WHERE appid = ? AND create_time < ? AND update_time >= ?",
        (appid, end, start),
    )
    found = []
    for row in rows:
        order = json.loads(row["doc"])
        paid_at = order["order_detail"]["pay_info"].get("pay_time") or 0
        if order["status"] in _PAID_STATUSES and start <= paid_at < end:
            found.append((row["user_id"], order))
    return found


def _placed(sandbox: Any, appid: str, start: int, end: int) -> list[tuple[str, dict[str, Any]]]:
    rows = sandbox.state.query(
        "SELECT user_id, doc FROM store_orders WHERE appid = ? AND create_time >= ? AND create_time < ?",
        (appid, start, end),
    )
    return [(row["user_id"], json.loads(row["doc"])) for row in rows]


def _refunds(sandbox: Any, appid: str, start: int, end: int) -> list[dict[str, Any]]:
    rows = sandbox.state.query(
        "SELECT doc FROM store_aftersales WHERE appid = ? AND refunded_at >= ? AND refunded_at < ?",
        (appid, start, end),
    )
    docs = [json.loads(row["doc"]) for row in rows]
    return [d for d in docs if d["status"] in _REFUNDED]


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def overall(sandbox: Any, appid: str, start: int, end: int) -> dict[str, Any]:
    paid = _paid_orders(sandbox, appid, start, end)
    refunds = _refunds(sandbox, appid, start, end)
    gmv = sum(o["order_detail"]["price_info"]["order_price"] for _, o in paid)
    refund_gmv = sum(d["refund_info"]["amount"] for d in refunds)
    return {
        "pay_gmv": str(gmv),
        "pay_uv": str(len({user for user, _ in paid})),
        "pay_order_cnt": str(len(paid)),
        "refund_gmv": str(refund_gmv),
        "refund_order_cnt": str(len({d["order_id"] for d in refunds})),
        "pay_refund_ratio": _ratio(refund_gmv, gmv),
    }


def products(sandbox: Any, appid: str, start: int, end: int) -> dict[str, dict[str, Any]]:
    """product_id → its day figures, for every product ordered (placed or paid) that day."""
    acc: dict[str, dict[str, Any]] = {}

    def entry(product_id: str) -> dict[str, Any]:
        return acc.setdefault(product_id, {"gmv": 0, "cnt": 0, "payers": set(), "clickers": set()})

    for user, order in _placed(sandbox, appid, start, end):
        for line in order["order_detail"]["product_infos"]:
            entry(line["product_id"])["clickers"].add(user)
    for user, order in _paid_orders(sandbox, appid, start, end):
        for line in order["order_detail"]["product_infos"]:
            figures = entry(line["product_id"])
            figures["gmv"] += line["real_price"]
            figures["cnt"] += line["sku_cnt"]
            figures["payers"].add(user)
            figures["clickers"].add(user)  # paid today for an order placed before: it was seen today too
    return {pid: _product_data(f) for pid, f in sorted(acc.items())}


def _product_data(figures: dict[str, Any]) -> dict[str, Any]:
    pay_uv, click_uv = len(figures["payers"]), len(figures["clickers"])
    return {
        "pay_gmv": str(figures["gmv"]),
        "pay_uv": str(pay_uv),
        "pay_cnt": str(figures["cnt"]),
        "click_uv": str(click_uv),
        "click_to_pay_uv_ratio": _ratio(pay_uv, click_uv),
    }


def _empty_product() -> dict[str, Any]:
    return _product_data({"gmv": 0, "cnt": 0, "payers": set(), "clickers": set()})


def profile(sandbox: Any, appid: str, start: int, end: int) -> dict[str, Any]:
    buyers = {user for user, _ in _paid_orders(sandbox, appid, start, end)}
    gender: dict[str, int] = {}
    region: dict[str, int] = {}
    for user_id in sorted(buyers):
        user = sandbox.users.get(user_id) or {}
        sex = _SEX.get(user.get("sex", 0), "未知")
        gender[sex] = gender.get(sex, 0) + 1
        province = user.get("province") or "未知"
        region[province] = region.get(province, 0) + 1

    def dist(counts: dict[str, int]) -> list[dict[str, Any]]:
        return [
            {"key": k, "value": str(v)} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    return {
        "pay_uv": str(len(buyers)),
        "gender_distribution": dist(gender),
        "age_distribution": dist({"未知": len(buyers)} if buyers else {}),
        "region_distribution": dist(region),
    }


def _known_product(sandbox: Any, appid: str, product_id: str) -> None:
    row = sandbox.state.one(
        "SELECT 1 FROM store_products WHERE product_id = ? AND appid = ?", (product_id, appid)
    )
    if row is None:
        raise StoreError(10020052)


@store_api()
async def _overall(request: Any, sandbox: Any, shop: AppConfig, data: dict[str, Any]) -> dict:
    start, end = _day(sandbox, data, store_settings.load(sandbox).compass_overall_delay_seconds)
    return {"data": overall(sandbox, shop.appid, start, end)}


@store_api()
async def _product_data_get(request: Any, sandbox: Any, shop: AppConfig, data: dict[str, Any]) -> dict:
    product_id = id_of(data.get("product_id"), 10020052)
    start, end = _day(sandbox, data, store_settings.load(sandbox).compass_product_delay_seconds)
    _known_product(sandbox, shop.appid, product_id)
    figures = products(sandbox, shop.appid, start, end).get(product_id) or _empty_product()
    return {"product_id": product_id, "data": figures}


@store_api()
async def _product_list_get(request: Any, sandbox: Any, shop: AppConfig, data: dict[str, Any]) -> dict:
    start, end = _day(sandbox, data, store_settings.load(sandbox).compass_product_delay_seconds)
    found = products(sandbox, shop.appid, start, end)
    return {"product_list": [{"product_id": pid, "data": figures} for pid, figures in found.items()]}


@store_api()
async def _profile_get(request: Any, sandbox: Any, shop: AppConfig, data: dict[str, Any]) -> dict:
    start, end = _day(sandbox, data, store_settings.load(sandbox).compass_profile_delay_seconds)
    return {"data": profile(sandbox, shop.appid, start, end)}


_LIVE_STATUS = {lives.SCHEDULED: 0, lives.LIVE: 1, lives.ENDED: 2, lives.CANCELLED: 3}


def live_list(sandbox: Any, appid: str, start: int, end: int) -> list[dict[str, Any]]:
    rows = sandbox.state.query(
        "SELECT * FROM store_lives WHERE appid = ? AND COALESCE(started_at, start_time) >= ?"
        " AND COALESCE(started_at, start_time) < ? ORDER BY COALESCE(started_at, start_time), export_id",
        (appid, start, end),
    )
    found = []
    for row in rows:
        live = lives.describe_live(sandbox, row)
        found.append(
            {
                "export_id": live["export_id"],
                "finder_id": live["finder_id"],
                "nickname": live["finder_nickname"],
                "description": live["title"],
                "status": _LIVE_STATUS[live["status"]],
                "start_time": live["started_at"] or live["start_time"],
                "end_time": live["ended_at"] or 0,
                "data": {
                    "viewer_pv": str(live["viewer_pv"]),
                    "viewer_uv": str(live["viewer_uv"]),
                    "pay_order_cnt": str(live["order_count"]),
                    "pay_gmv": str(live["gmv"]),
                    "pay_uv": str(live["buyer_count"]),
                    "reservation_cnt": str(live["reservation_count"]),
                },
            }
        )
    return found


@store_api()
async def _live_list_get(request: Any, sandbox: Any, shop: AppConfig, data: dict[str, Any]) -> dict:
    delay = store_settings.load(sandbox).compass_live_delay_seconds
    start, end = _day(sandbox, data, delay, realtime=True)
    return {"live_list": live_list(sandbox, shop.appid, start, end)}


_BASE = "/channels/ec/compass/shop/"
routes = [
    Route(_BASE + "overall/get", _overall, methods=["GET", "POST"], name="store.compass.overall"),
    Route(
        _BASE + "product/data/get", _product_data_get, methods=["GET", "POST"], name="store.compass.product"
    ),
    Route(
        _BASE + "product/list/get", _product_list_get, methods=["GET", "POST"], name="store.compass.products"
    ),
    Route(
        _BASE + "sale/profile/data/get", _profile_get, methods=["GET", "POST"], name="store.compass.profile"
    ),
    Route(_BASE + "live/list/get", _live_list_get, methods=["GET", "POST"], name="store.compass.live_list"),
]
