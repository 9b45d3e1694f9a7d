"""The WeChat apps the hub talks to, read from `settings.WECHAT_APPS`.

Each entry is keyed by a short name: `oa` (Official Account / 服务号), `mp` (Mini Program), `store`
(WeChat Store / 微信小店). An app with an empty appid is not configured; calling it raises
`NotConfigured`. In production (not DEMO) every configured app is validated when Django starts
(`validate_apps`, run from WechatConfig.ready) so a typo fails at boot with a clear message, not at the
first customer's login.

In the demo (`settings.DEMO`), the appids default to wxsandbox's seeded apps and an empty secret is
looked up from the sandbox's own control API (`GET /sandbox/keys`, the same data as `wxsandbox keys
--export`), so `make run` needs no environment at all. The lookup is cached in the Django cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

APPID_SHAPE = re.compile(r"wx[0-9a-f]{16}")
SECRET_SHAPE = re.compile(r"[0-9a-f]{32}")
APP_KINDS = {"oa": "official_account", "mp": "mini_program", "store": "store"}
_DEMO_KEYS_CACHE = "wechat:demo-keys:{base}"
DEMO_KEYS_TTL_SECONDS = 300


class NotConfigured(LookupError):
    """No app of that name is configured (empty appid)."""


@dataclass(frozen=True)
class WechatApp:
    name: str  # oa | mp | store
    appid: str
    secret: str
    base_url: str

    @property
    def kind(self) -> str:
        return APP_KINDS.get(self.name, self.name)


def demo_mode() -> bool:
    return bool(getattr(settings, "DEMO", False))


def _raw(name: str) -> dict:
    raw = settings.WECHAT_APPS.get(name)
    if not raw or not raw.get("appid"):
        raise NotConfigured(f"WeChat app {name!r} is not configured (WECHAT_{name.upper()}_APPID)")
    return raw


def configured_names() -> list[str]:
    return [name for name, raw in settings.WECHAT_APPS.items() if raw and raw.get("appid")]


def get_app(name: str) -> WechatApp:
    raw = _raw(name)
    base = (raw.get("base_url") or settings.WECHAT_API_BASE).rstrip("/")
    secret = raw.get("secret", "")
    if not secret and demo_mode():
        secret = demo_secret(base, raw["appid"])
    return WechatApp(name=name, appid=raw["appid"], secret=secret, base_url=base)


def app_by_appid(appid: str) -> WechatApp:
    for name in configured_names():
        if settings.WECHAT_APPS[name]["appid"] == appid:
            return get_app(name)
    raise NotConfigured(f"no configured WeChat app has appid {appid}")


def demo_secret(base_url: str, appid: str) -> str:
    """The sandbox's secret for `appid` (demo only): it generates secrets on first start and keeps them
    in its state, so the hub asks it instead of shipping a copy."""
    key = _DEMO_KEYS_CACHE.format(base=base_url)
    secrets = cache.get(key)
    if secrets is None:
        try:
            response = httpx.get(f"{base_url}/sandbox/keys", timeout=5, trust_env=False)
            response.raise_for_status()
            secrets = {a["appid"]: a["secret"] for a in response.json().get("apps", [])}
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return ""  # sandbox not up yet: the token fetch fails with 41004 and is retried later
        cache.set(key, secrets, DEMO_KEYS_TTL_SECONDS)
    return secrets.get(appid, "")


def forget_demo_secrets(base_url: str) -> None:
    cache.delete(_DEMO_KEYS_CACHE.format(base=base_url.rstrip("/")))


def app_problems(apps: dict[str, dict]) -> list[str]:
    """What is wrong with each configured app, as messages naming the environment variable."""
    problems = []
    for name, raw in apps.items():
        appid, secret = (raw or {}).get("appid", ""), (raw or {}).get("secret", "")
        var = f"WECHAT_{name.upper()}"
        if not appid and not secret:
            continue  # not configured at all: that integration is off
        if not appid:
            problems.append(f"{var}_APPID is missing (its {var}_SECRET is set)")
        elif not APPID_SHAPE.fullmatch(appid):
            problems.append(f"{var}_APPID must be 'wx' followed by 16 lower-case hex digits")
        if not secret:
            problems.append(f"{var}_SECRET is missing for {var}_APPID")
        elif not SECRET_SHAPE.fullmatch(secret):
            problems.append(f"{var}_SECRET must be 32 lower-case hex digits")
    return problems


def validate_apps() -> None:
    """Refuse to start in production with a missing or malformed WeChat app (the demo fills them in)."""
    if demo_mode():
        return
    problems = app_problems(settings.WECHAT_APPS)
    base = settings.WECHAT_API_BASE
    if not base.startswith(("https://", "http://")):
        problems.append("WECHAT_API_BASE must be an http(s) URL, e.g. https://api.weixin.qq.com")
    if problems:
        raise ImproperlyConfigured("WeChat settings: " + "; ".join(problems))
