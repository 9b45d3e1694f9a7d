"""Behaviour knobs of the WeChat Store surface: limits, audit outcome, timers and the reference's
unconfirmed points (wechat-store-channels.md marks them; each is a field here).

Three layers, later winning: the defaults below, the ``[store]`` table of the sandbox config, and run-time
overrides through ``POST /sandbox/store/settings`` (persisted in the state DB, so a test can switch the
audit to "reject" or shorten the push timeout without restarting the sandbox).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

DAY = 86400
SHOP_TYPES = {"enterprise": "企业", "personal": "个体工商户"}  # basics/info/get subject_type (§2.5)
AUDIT_OUTCOMES = ("pass", "reject", "manual")  # manual: stays 审核中 until the control API decides
# WeChat's push retry intervals after the first delivery (§9.4): 10 deliveries over about 3.6 hours.
PUSH_RETRY_SCHEDULE = (0.0, 0.0, 10.0, 60.0, 300.0, 1800.0, 3600.0, 3600.0, 3600.0)

_META_KEY = "store.settings"
_CACHE_KEY = "store.settings"


@dataclass(frozen=True)
class StoreSettings:
    # shop (§2.4–2.5)
    shop_type: str = "enterprise"  # enterprise (企业) | personal (个体工商户)
    # bound Channels accounts per shop type: the real numbers are unconfirmed (§2.4), the seeds say 5 / 1
    finder_limit_enterprise: int = 5
    finder_limit_personal: int = 1
    shop_status: str = "open_finished"  # opening | open_finished | closing | close_finished
    # products (§4)
    audit_outcome: str = "pass"  # pass | reject | manual
    audit_reason: str = "商品主图不清晰，请重新上传"  # the reason a rejection gives
    audit_delay_seconds: float = 0.0  # sandbox seconds from submission to the audit result
    product_page_size_max: int = 30
    stock_batchget_max: int = 50  # unconfirmed
    # orders (§5)
    order_page_size_max: int = 100
    order_range_max_seconds: int = 7 * DAY
    order_range_errcode: int = 10020004  # unconfirmed: the error of a missing/over-long time range
    pay_timeout_seconds: float = 1800.0  # an unpaid order is cancelled (cancel_type 2) after this; 0 = never
    auto_confirm: bool = True  # a shipped order is confirmed (confirm_type 2) after auto_confirm_seconds
    auto_confirm_seconds: float = 10 * DAY
    settle_seconds_after_confirm: float = (
        7 * DAY
    )  # unconfirmed: settlement after the after-sale window; 0 = never
    push_wait_shipping: bool = True  # channels_ec_order_wait_shipping follows channels_ec_order_pay
    virtual_delivery_errcode: int = 109000  # unconfirmed: deliver_type 3 on a non-virtual order
    # after-sales (§6)
    aftersale_range_max_seconds: int = DAY
    refund_per_order_interval_seconds: float = 60.0  # 10021059 within this
    merchant_aftersale_confirm: str = "buyer"  # buyer | auto: who confirms a genaftersaleorder (unconfirmed)
    # coupons (§7)
    coupon_page_size_max: int = 200
    # compass data (§8.8): a day's figures exist this long after the day ends (the seeds: 2 h)
    compass_overall_delay_seconds: float = 7200.0
    compass_product_delay_seconds: float = 7200.0
    compass_profile_delay_seconds: float = 7200.0
    compass_live_delay_seconds: float = 0.0  # the live list is real time (after the day begins)
    compass_not_ready_errcode: int = 10024001  # unconfirmed: the answer before a day's data exist
    compass_history_days: int = 365  # older days answer 40097
    # quotas (§10.1): cgi_path -> calls per day per shop; 0 = unlimited
    daily_quotas: dict[str, int] = field(default_factory=dict)
    default_daily_quota: int = 0
    # event push (§9)
    push_timeout_seconds: float = 5.0
    push_retry_schedule: tuple[float, ...] = PUSH_RETRY_SCHEDULE
    push_openid_param: bool = False  # unconfirmed (§9.3): openid in the push query string
    platform_openid: str = "oPlatform0000000000000000000"  # FromUserName of system (non-buyer) events
    original_ids: dict[str, str] = field(default_factory=dict)  # shop appid -> gh_… (derived when absent)
    # shop appid -> push URL, over the app's server_url (so a running sandbox can be pointed at a hub)
    server_urls: dict[str, str] = field(default_factory=dict)

    @property
    def subject_type(self) -> str:
        return SHOP_TYPES[self.shop_type]

    @property
    def finder_limit(self) -> int:
        return self.finder_limit_personal if self.shop_type == "personal" else self.finder_limit_enterprise


_FIELDS = {f.name for f in fields(StoreSettings)}


def _coerce(name: str, current: Any, value: Any, where: str) -> Any:
    if isinstance(current, dict):
        if not isinstance(value, dict):
            raise ValueError(f"{where}: {name} must be a table")
        return {**current, **value}
    if isinstance(current, tuple):
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value
        ):
            raise ValueError(f"{where}: {name} must be a list of non-negative numbers")
        return tuple(float(v) for v in value)
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{where}: {name} must be true or false")
        return value
    if isinstance(current, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"{where}: {name} must be a non-negative number")
        return type(current)(value)
    if not isinstance(value, str):
        raise ValueError(f"{where}: {name} must be a string")
    return value


def _merge(settings: StoreSettings, raw: dict[str, Any], where: str) -> StoreSettings:
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ValueError(f"{where}: unknown settings {sorted(unknown)}")
    merged = replace(settings, **{k: _coerce(k, getattr(settings, k), v, where) for k, v in raw.items()})
    if merged.shop_type not in SHOP_TYPES:
        raise ValueError(f"{where}: shop_type must be one of {sorted(SHOP_TYPES)}")
    if merged.audit_outcome not in AUDIT_OUTCOMES:
        raise ValueError(f"{where}: audit_outcome must be one of {AUDIT_OUTCOMES}")
    if any(
        not isinstance(u, str) or (u and not u.startswith(("http://", "https://")))
        for u in merged.server_urls.values()
    ):
        raise ValueError(f"{where}: server_urls values must be http(s) URLs")
    if merged.merchant_aftersale_confirm not in ("buyer", "auto"):
        raise ValueError(f"{where}: merchant_aftersale_confirm must be buyer or auto")
    if merged.shop_status not in ("opening", "open_finished", "closing", "close_finished"):
        raise ValueError(f"{where}: shop_status is not a shop status")
    return merged


def _compute(sandbox: Any) -> StoreSettings:
    settings = _merge(StoreSettings(), dict(sandbox.config.section("store")), "[store]")
    stored = sandbox.state.get_meta(_META_KEY)
    return _merge(settings, json.loads(stored), "overrides") if stored else settings


def load(sandbox: Any) -> StoreSettings:
    """Defaults ← ``[store]`` ← run-time overrides; cached on the Sandbox until the overrides change."""
    cached = sandbox.extras.get(_CACHE_KEY)
    if cached is None:
        cached = sandbox.extras[_CACHE_KEY] = _compute(sandbox)
    return cached


def override(sandbox: Any, raw: Any) -> StoreSettings:
    """Validate and persist run-time overrides (merged over earlier ones); returns the effective settings."""
    if not isinstance(raw, dict):
        raise ValueError("settings must be a JSON object")
    combined = {**json.loads(sandbox.state.get_meta(_META_KEY) or "{}"), **raw}
    _merge(_merge(StoreSettings(), dict(sandbox.config.section("store")), "[store]"), combined, "overrides")
    sandbox.state.set_meta(_META_KEY, json.dumps(combined, ensure_ascii=False))
    sandbox.extras.pop(_CACHE_KEY, None)
    return load(sandbox)


def reset_overrides(sandbox: Any) -> None:
    sandbox.state.set_meta(_META_KEY, "{}")
    sandbox.extras.pop(_CACHE_KEY, None)


def as_dict(settings: StoreSettings) -> dict[str, Any]:
    return asdict(settings) | {"subject_type": settings.subject_type, "finder_limit": settings.finder_limit}


EXAMPLE_TOML = """\
# WeChat Store (微信小店, /channels/ec/*) behaviour (all optional; defaults shown). Run-time overrides:
# POST /sandbox/store/settings with the same keys.
[store]
shop_type = "enterprise"             # enterprise (企业) | personal (个体工商户: no restricted categories)
finder_limit_enterprise = 5          # bound Channels accounts (unconfirmed numbers)
finder_limit_personal = 1
audit_outcome = "pass"               # pass | reject | manual (decided by POST /sandbox/store/products/{id}/audit)
audit_reason = "商品主图不清晰，请重新上传"
audit_delay_seconds = 0.0            # sandbox seconds until the audit result (scaled by time_factor)
pay_timeout_seconds = 1800.0         # unpaid orders are cancelled after this (0 = never)
auto_confirm = true                  # shipped orders confirm themselves after auto_confirm_seconds
auto_confirm_seconds = 864000.0
settle_seconds_after_confirm = 604800.0   # unconfirmed: channels_ec_order_settle this long after receipt
push_wait_shipping = true            # channels_ec_order_wait_shipping after channels_ec_order_pay
order_range_errcode = 10020004       # unconfirmed: order list without / with a too long time range
virtual_delivery_errcode = 109000    # unconfirmed: virtual delivery of a non-virtual order
refund_per_order_interval_seconds = 60.0   # 10021059 for a second refund of one order within this
merchant_aftersale_confirm = "buyer" # buyer (POST /sandbox/store/aftersales/{id}/confirm) | auto
push_timeout_seconds = 5.0           # the shop's server must answer a push within this
push_retry_schedule = [0, 0, 10, 60, 300, 1800, 3600, 3600, 3600]   # after the first delivery
push_openid_param = false            # unconfirmed: openid in the push query string
compass_overall_delay_seconds = 7200.0   # compass/shop/* data of a day exist this long after it ends
compass_product_delay_seconds = 7200.0
compass_profile_delay_seconds = 7200.0
compass_live_delay_seconds = 0.0      # the live list answers for the running day
compass_not_ready_errcode = 10024001 # unconfirmed: before a day's data exist
compass_history_days = 365           # older ds answer 40097

default_daily_quota = 0              # calls per day per /channels/ec/ path (0 = unlimited): 45009 beyond

[store.daily_quotas]                 # cgi_path -> its own daily limit
# "/channels/ec/order/get" = 10000

[store.original_ids]                 # shop appid -> gh_… (derived from the appid when absent)

[store.server_urls]                  # shop appid -> push URL, overriding the app's server_url
# wx5b1f0a7c3e9d0c03 = "http://127.0.0.1:8000/wechat/store/events/"
"""
