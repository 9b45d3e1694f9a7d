"""Behaviour knobs of the mp surfaces: WeChat's limits and the reference's unconfirmed points (Appendix B).

Values come from three layers, later winning: the defaults below, the ``[mp]`` table of the sandbox
config, and overrides set at run time through ``POST /sandbox/mp/settings`` (persisted in the state DB, so
a test can shorten the push timeout or shrink a quota without restarting the sandbox).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

DAY = 86400

# Daily per-appid quotas of the APIs that have one (reference §3.1, §4); 0 = unlimited.
DEFAULT_DAILY_QUOTAS: dict[str, int] = {
    "token": 2000,
    "stable_token": 500_000,
    "menu.create": 1000,
    "menu.get": 10_000,
    "menu.delete": 1000,
    "custom.send": 500_000,
    "template.send": 100_000,  # per account, "commonly 100,000" (unconfirmed, B.13)
    "mass.sendall": 100,  # a verified service account's API calls per day (unconfirmed; 45028 beyond)
    "subscribe.send": 10_000_000,
    "qrcode.create": 100_000,
    "ticket.getticket": 100_000,
    "wxa.links": 500_000,  # URL Link + URL Scheme combined
    "wxa.shortlink": 1_000_000,
    "wxa.code": 0,  # getwxacodeunlimit has no total limit (only a per-minute rate)
}

# The reference's per-action table (kf §2); "payment" is unconfirmed (not in the current table).
DEFAULT_CUSTOM_WINDOWS: dict[str, list[int]] = {
    "message": [5, 2 * DAY],
    "menu": [3, 60],
    "subscribe": [3, 60],
    "scan": [3, 60],
    "payment": [5, 2 * DAY],
    "mp_message": [5, 2 * DAY],
    "mp_enter": [2, 60],
}

_META_KEY = "mp.settings"
_CACHE_KEY = "mp.settings"


@dataclass(frozen=True)
class MpSettings:
    # tokens (§3)
    token_ttl_seconds: int = 7200
    token_grace_seconds: int = 300  # old /cgi-bin/token stays valid this long after a refresh
    stable_force_refresh_per_day: int = 20
    stable_force_refresh_min_interval: int = 30
    stable_token_per_minute: int = 10_000
    bad_secret_errcode: int = 40125  # older WeChat answered 40001 for a wrong secret
    ip_whitelist: dict[str, list[str]] = field(
        default_factory=dict
    )  # OA appid -> IPs allowed to fetch tokens
    daily_quotas: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DAILY_QUOTAS))
    clear_quota_per_month: int = 10
    # message pushes (§2.6)
    push_timeout_seconds: float = 5.0
    push_retries: int = 3  # re-sends after the first attempt
    push_retry_interval_seconds: float = 0.0  # unconfirmed (B.10): immediate re-send is reported
    push_openid_param: bool = True  # unconfirmed (B.10): openid in the push query string
    template_job_finish_delay_seconds: float = 0.05
    push_format: dict[str, str] = field(default_factory=dict)  # Mini Program appid -> json (default) | xml
    # customer-service window (§4.2)
    custom_window_seconds: int = 48 * 3600
    # per user action: [messages allowed, window seconds] (reference kf §2 table; see cs_windows.py)
    custom_windows: dict[str, list[int]] = field(default_factory=lambda: dict(DEFAULT_CUSTOM_WINDOWS))
    custom_window_pick: str = "most_remaining"  # unconfirmed: most_remaining | soonest_expiry
    custom_max_text_bytes: int = 2048  # 45002 beyond this (unconfirmed)
    # template messages (§4.3)
    template_registry: str = (
        "auto"  # auto: any template_id | strict: only `templates` and api_add_template ones
    )
    templates: dict[str, list[str]] = field(default_factory=dict)  # appid -> template ids (strict mode)
    template_client_msg_id_window_seconds: int = DAY  # unconfirmed (B.13)
    # mass send (群发, /cgi-bin/message/mass/sendall; not in the reference: all unconfirmed)
    mass_user_monthly_limit: int = 4  # mass messages a follower receives per month; more count as errors
    mass_max_text_bytes: int = 20_000  # 45002 beyond this (unconfirmed)
    mass_job_finish_delay_seconds: float = 0.05  # MASSSENDJOBFINISH comes this long after the answer
    mass_reject_words: list[str] = field(default_factory=list)  # content check: a hit fails the whole job
    # OAuth / login (§5)
    oauth_code_ttl_seconds: int = 300
    sns_token_ttl_seconds: int = 7200
    refresh_token_ttl_seconds: int = 30 * DAY
    oauth_domains: dict[str, list[str]] = field(default_factory=dict)  # appid -> allowed redirect hosts
    oauth_refusal: str = "redirect"  # unconfirmed (B.15): redirect without code | stay on the page
    oauth_remember_consent: bool = True  # a second snsapi_userinfo is silent unless forcePopup=true
    # unconfirmed (§5.1): snsapi_userinfo asked of a user who has not consented yet shows the snapshot page,
    # whose code is a virtual account's (is_snapshotuser: 1, its own openid, no unionid, userinfo 48001)
    oauth_snapshot_unconsented: bool = False
    userinfo_blank_profile: bool = True  # /sns/userinfo blanks sex/province/city/country (unconfirmed, B.15)
    jscode_per_user_per_minute: int = 100
    code_used_errcode: int = 40163  # a used web OAuth code or js_code (the reference's §5.2 says 40029)
    phone_code_ttl_seconds: int = 300
    # JS-SDK (§5.5)
    ticket_ttl_seconds: int = 7200
    # links (§4.6)
    urllink_base: str = "https://wxaurl.cn/"  # unconfirmed host (B.14)
    link_max_days: int = 30
    link_open_quota: int = 1_000_000  # daily opens of URL Links + Schemes (remain_visit_quota; unconfirmed)
    # Mini Program codes (wechat-kf-security-shipping.md §6.2-§6.3)
    wxacode_per_minute: int = 5000  # getwxacodeunlimit, 45009 beyond
    wxacode_limited_total: int = 100_000  # getwxacode codes ever (45029 beyond)
    # appid -> pages of the released version; an appid not listed accepts any well-formed page (the
    # sandbox cannot know a Mini Program's pages unless told). Used by check_path of getwxacodeunlimit.
    released_pages: dict[str, list[str]] = field(default_factory=dict)
    # shipping information management (wechat-kf-security-shipping.md §4)
    shipping_min_seconds_after_pay: float = 60.0  # uploads sooner answer 10060001 (§4.1)
    shipping_auto_confirm_seconds: float = (
        10 * DAY
    )  # shipped → 确认收货 without the buyer (unconfirmed; 0 = never)
    shipping_trade_managed: dict[str, bool] = field(
        default_factory=dict
    )  # appid -> is_trade_managed (default true)
    # datacube (图文分析; not in the reference): the widest begin_date..end_date span per API, in days
    # (WeChat's tables say 1 for both; 61501 beyond), and whether today may be asked (WeChat: yesterday at most)
    datacube_max_days: dict[str, int] = field(
        default_factory=lambda: {"getarticlesummary": 1, "getarticletotal": 1}
    )
    datacube_allow_today: bool = False
    # account facts the app config does not carry
    original_ids: dict[str, str] = field(default_factory=dict)  # appid -> gh_… (derived when absent)

    def quota(self, api: str) -> int:
        return int(self.daily_quotas.get(api, 0))


_FIELDS = {f.name: f for f in fields(MpSettings)}


def _merge(settings: MpSettings, raw: dict[str, Any], where: str) -> MpSettings:
    unknown = set(raw) - set(_FIELDS)
    if unknown:
        raise ValueError(f"{where}: unknown settings {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        current = getattr(settings, name)
        if isinstance(current, dict):
            if not isinstance(value, dict):
                raise ValueError(f"{where}: {name} must be a table")
            values[name] = {**current, **value}
        elif isinstance(current, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{where}: {name} must be true or false")
            values[name] = value
        elif isinstance(current, int | float):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{where}: {name} must be a non-negative number")
            values[name] = type(current)(value)
        elif isinstance(current, list):
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ValueError(f"{where}: {name} must be a list of non-empty strings")
            values[name] = list(value)
        else:
            if not isinstance(value, str):
                raise ValueError(f"{where}: {name} must be a string")
            values[name] = value
    merged = replace(settings, **values)
    if merged.template_registry not in ("auto", "strict"):
        raise ValueError(f"{where}: template_registry must be auto or strict")
    if any(fmt not in ("json", "xml") for fmt in merged.push_format.values()):
        raise ValueError(f"{where}: push_format values must be json or xml")
    if merged.custom_window_pick not in ("most_remaining", "soonest_expiry"):
        raise ValueError(f"{where}: custom_window_pick must be most_remaining or soonest_expiry")
    for kind, rule in merged.custom_windows.items():
        if (
            not isinstance(rule, list)
            or len(rule) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in rule)
        ):
            raise ValueError(
                f"{where}: custom_windows.{kind} must be [count, seconds] (non-negative integers)"
            )
    for appid, pages in merged.released_pages.items():
        if not isinstance(pages, list) or not all(isinstance(page, str) for page in pages):
            raise ValueError(f"{where}: released_pages.{appid} must be a list of page paths")
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in merged.datacube_max_days.values()):
        raise ValueError(f"{where}: datacube_max_days values must be positive integers")
    if merged.oauth_refusal not in ("redirect", "stay"):
        raise ValueError(f"{where}: oauth_refusal must be redirect or stay")
    return merged


def _compute(sandbox: Any) -> MpSettings:
    settings = _merge(MpSettings(), dict(sandbox.config.section("mp")), "[mp]")
    stored = sandbox.state.get_meta(_META_KEY)
    if stored:
        settings = _merge(settings, json.loads(stored), "overrides")
    return settings


def load(sandbox: Any) -> MpSettings:
    """Defaults ← ``[mp]`` config table ← run-time overrides.

    Cached on the Sandbox (one process owns a sandbox's state, and overrides only change through
    ``override``/``reset_overrides``, which refresh the cache), so handlers may call this freely.
    """
    extras = getattr(sandbox, "extras", None)
    if extras is None:
        return _compute(sandbox)
    cached = extras.get(_CACHE_KEY)
    if cached is None:
        cached = extras[_CACHE_KEY] = _compute(sandbox)
    return cached


def override(sandbox: Any, raw: dict[str, Any]) -> MpSettings:
    """Validate and persist run-time overrides (merged over earlier ones); returns the effective settings."""
    if not isinstance(raw, dict):
        raise ValueError("settings must be a JSON object")
    stored = json.loads(sandbox.state.get_meta(_META_KEY) or "{}")
    combined = {**stored, **raw}
    _merge(_merge(MpSettings(), dict(sandbox.config.section("mp")), "[mp]"), combined, "overrides")
    sandbox.state.set_meta(_META_KEY, json.dumps(combined, ensure_ascii=False))
    _forget(sandbox)
    return load(sandbox)


def reset_overrides(sandbox: Any) -> None:
    sandbox.state.set_meta(_META_KEY, "{}")
    _forget(sandbox)


def _forget(sandbox: Any) -> None:
    extras = getattr(sandbox, "extras", None)
    if extras is not None:
        extras.pop(_CACHE_KEY, None)


def as_dict(settings: MpSettings) -> dict[str, Any]:
    return asdict(settings)


EXAMPLE_TOML = """\
# Official Account / Mini Program behaviour (all optional; defaults shown or described).
[mp]
token_ttl_seconds = 7200
token_grace_seconds = 300            # old /cgi-bin/token stays valid this long after a refresh
bad_secret_errcode = 40125           # 40001 on older WeChat
push_timeout_seconds = 5.0           # message-server deadline
push_retries = 3                     # re-sends after the first attempt (identical request)
push_retry_interval_seconds = 0.0    # unconfirmed: immediate re-send is reported
push_openid_param = true             # openid in the push query string (unconfirmed)
custom_window_seconds = 172800       # 48 h window of custom/typing
custom_window_pick = "most_remaining" # which open window a custom/send spends (unconfirmed)
template_registry = "auto"           # auto: any template_id | strict: only [mp.templates]
oauth_refusal = "redirect"           # refusing consent: redirect without code | stay on the page
oauth_snapshot_unconsented = false   # snsapi_userinfo before consent gives a snapshot-page virtual user
code_used_errcode = 40163            # a used OAuth code or js_code ("code been used")
userinfo_blank_profile = true        # /sns/userinfo blanks sex/province/city/country
urllink_base = "https://wxaurl.cn/"
mass_user_monthly_limit = 4          # 群发 a follower receives per calendar month (unconfirmed; 0 = no cap)
mass_max_text_bytes = 20000          # 群发 text longer than this answers 45002 (unconfirmed)
mass_reject_words = []               # 群发 content check: a hit ends the job "send fail" (unconfirmed)
link_open_quota = 1000000            # daily opens of URL Links + Schemes (query_urllink remain_visit_quota)
wxacode_per_minute = 5000            # getwxacodeunlimit calls per minute (45009 beyond)
wxacode_limited_total = 100000       # getwxacode codes in total (45029 beyond)

shipping_min_seconds_after_pay = 60.0   # 发货信息: uploads sooner after payment answer 10060001
shipping_auto_confirm_seconds = 864000.0 # shipped orders count as received after this (unconfirmed; 0 = never)

datacube_allow_today = false          # datacube answers 61501 for end_date today or later

[mp.datacube_max_days]               # widest begin_date..end_date span (61501 beyond; unconfirmed)
getarticlesummary = 1
getarticletotal = 1

[mp.daily_quotas]                    # per appid per day; 0 = unlimited
token = 2000
"template.send" = 100000
"mass.sendall" = 100                 # 群发 calls per day (unconfirmed; 45028 beyond)

[mp.custom_windows]                  # user action -> [messages, seconds] for custom/send
message = [5, 172800]
menu = [3, 60]                       # click / scancode_push / scancode_waitmsg buttons only
subscribe = [3, 60]
scan = [3, 60]
payment = [5, 172800]                # unconfirmed; [0, 0] = paying opens no window
mp_message = [5, 172800]             # Mini Program customer-service session
mp_enter = [2, 60]

[mp.templates]                       # strict registry: appid -> template ids
# wx5b1f0a7c3e9d0a01 = ["TPL_ORDER_SHIPPED"]

[mp.oauth_domains]                   # appid -> hosts allowed in redirect_uri (empty: any)
# wx5b1f0a7c3e9d0a01 = ["m.shop.example"]

[mp.released_pages]                  # Mini Program appid -> released pages (check_path; absent: any page)
# wx5b1f0a7c3e9d0a02 = ["pages/index/index", "pages/product/detail"]

[mp.ip_whitelist]                    # Official Account appid -> IPs allowed to fetch tokens
[mp.original_ids]                    # appid -> gh_… (derived from the appid when absent)
"""
