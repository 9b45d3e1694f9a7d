"""Compass (罗盘) shop data, `/channels/ec/compass/shop/*` (reference §8.8), mixed into `StoreService`.

The reference names only the metrics (`pay_gmv`, `pay_uv`, `click_to_pay_uv_ratio`, …) and says they come
as numeric strings or floats; counts and fen are parsed to `int` here, ratios to `float`, and a value that
is neither (or a negative count) is a malformed answer. `ds` is a Beijing day `YYYYMMDD`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from wxmall.wechat.errors import TransportError


def _count(data: dict[str, Any], name: str, *, api: str) -> int:
    value = data.get(name, 0)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**18:
        return value
    raise TransportError(f"微信应答的 {name} 格式不对", api=api)


def _ratio(data: dict[str, Any], name: str, *, api: str) -> float:
    value = data.get(name, 0)
    try:
        number = (
            float(value) if isinstance(value, int | float | str) and not isinstance(value, bool) else None
        )
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or number < 0:
        raise TransportError(f"微信应答的 {name} 格式不对", api=api)
    return number


def _id(value: Any, *, api: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        return value
    raise TransportError("微信应答的 product_id 格式不对", api=api)


def _data(body: dict[str, Any], key: str, *, api: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise TransportError(f"微信应答缺少 {key}", api=api)
    return value


def _ds(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


@dataclass(frozen=True)
class CompassOverall:
    pay_gmv: int  # fen
    pay_uv: int
    pay_order_cnt: int
    refund_gmv: int  # fen
    refund_order_cnt: int
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class CompassProduct:
    product_id: str
    pay_gmv: int  # fen
    pay_uv: int
    pay_cnt: int
    click_to_pay_uv_ratio: float
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class CompassProfile:
    """The day's paying buyers by gender, age band and region: `[(label, count)]`, largest first."""

    pay_uv: int
    gender: list[tuple[str, int]]
    age: list[tuple[str, int]]
    region: list[tuple[str, int]]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


def _product(product_id: str, data: dict[str, Any], api: str) -> CompassProduct:
    return CompassProduct(
        product_id=product_id,
        pay_gmv=_count(data, "pay_gmv", api=api),
        pay_uv=_count(data, "pay_uv", api=api),
        pay_cnt=_count(data, "pay_cnt", api=api),
        click_to_pay_uv_ratio=_ratio(data, "click_to_pay_uv_ratio", api=api),
        raw=data,
    )


def _distribution(data: dict[str, Any], name: str, api: str) -> list[tuple[str, int]]:
    items = data.get(name) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TransportError(f"微信应答的 {name} 不是数组", api=api)
    return [(str(i.get("key", ""))[:64], _count(i, "value", api=api)) for i in items]


class CompassMixin:
    _client: Any

    def compass_overall(self, day: dt.date) -> CompassOverall:
        api = "store.compass_overall"
        body = self._client.post("/channels/ec/compass/shop/overall/get", api=api, json={"ds": _ds(day)})
        data = _data(body, "data", api=api)
        return CompassOverall(
            pay_gmv=_count(data, "pay_gmv", api=api),
            pay_uv=_count(data, "pay_uv", api=api),
            pay_order_cnt=_count(data, "pay_order_cnt", api=api),
            refund_gmv=_count(data, "refund_gmv", api=api),
            refund_order_cnt=_count(data, "refund_order_cnt", api=api),
            raw=data,
        )

    def compass_products(self, day: dt.date) -> list[CompassProduct]:
        api = "store.compass_products"
        body = self._client.post("/channels/ec/compass/shop/product/list/get", api=api, json={"ds": _ds(day)})
        items = body.get("product_list") or []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise TransportError("微信应答的 product_list 不是数组", api=api)
        return [_product(_id(i.get("product_id"), api=api), _data(i, "data", api=api), api) for i in items]

    def compass_product(self, day: dt.date, product_id: str) -> CompassProduct:
        api = "store.compass_product"
        body = self._client.post(
            "/channels/ec/compass/shop/product/data/get",
            api=api,
            json={"ds": _ds(day), "product_id": product_id},
        )
        return _product(product_id, _data(body, "data", api=api), api)

    def compass_profile(self, day: dt.date) -> CompassProfile:
        api = "store.compass_profile"
        body = self._client.post(
            "/channels/ec/compass/shop/sale/profile/data/get", api=api, json={"ds": _ds(day)}
        )
        data = _data(body, "data", api=api)
        return CompassProfile(
            pay_uv=_count(data, "pay_uv", api=api),
            gender=_distribution(data, "gender_distribution", api),
            age=_distribution(data, "age_distribution", api),
            region=_distribution(data, "region_distribution", api),
            raw=data,
        )
