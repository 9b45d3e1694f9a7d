"""The invoicing platform (开票平台) the hub issues through: `settings.INVOICE_PLATFORM`.

The demo points it at wxsandbox's fake platform and asks the sandbox for the app secret (it generates
one on first start), like the WeChat app secrets (`wxmall.wechat.config.demo_secret`). Production
refuses to start without a secret (see settings)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

_DEMO_CACHE = "wxmall:invoicing:demo-credentials:{base}"


@dataclass(frozen=True)
class PlatformConfig:
    adapter: str
    base_url: str
    app_key: str
    app_secret: str
    timeout: float


def platform_config() -> PlatformConfig:
    raw = settings.INVOICE_PLATFORM
    base = raw["base_url"].rstrip("/")
    secret = raw.get("app_secret", "")
    if not secret and settings.DEMO:
        secret = _demo_secret(base)
    return PlatformConfig(raw["adapter"], base, raw["app_key"], secret, float(raw.get("timeout", 10)))


def _demo_secret(base: str) -> str:
    key = _DEMO_CACHE.format(base=base)
    secret = cache.get(key)
    if secret is None:
        try:
            response = httpx.get(f"{base}/sandbox/fapiao/credentials", timeout=5, trust_env=False)
            response.raise_for_status()
            secret = str(response.json()["app_secret"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return ""  # the sandbox is not up: the platform answers 401 and the outbox retries
        cache.set(key, secret, 3600)
    return secret


def platform():
    """The configured adapter (see `wxmall.invoicing.platform`)."""
    config = platform_config()
    return import_string(config.adapter)(config)
