"""The message server's credentials per Official Account, from `settings.WECHAT_APPS["oa"]`.

Production (not DEMO) refuses to start when the OA is configured without its Token, EncodingAESKey and
original id (`validate`, run from the AppConfig). In the demo, empty values are read from wxsandbox's
control API (`/sandbox/keys`, `/sandbox/mp/accounts`), like the app secret (wechat.config.demo_secret).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from wxmall.wechat.config import configured_names, demo_mode
from wxmall.wechat.msgcrypt import MsgCrypt, valid_aes_key

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9]{3,32}")  # WeChat's console: 3–32 letters and digits
ORIGINAL_ID_SHAPE = re.compile(r"gh_[0-9a-zA-Z]{6,32}")
_DEMO_CACHE = "officialaccount:demo-server:{base}:{appid}"
DEMO_TTL_SECONDS = 300


class NotAnAccount(LookupError):
    """The appid in the URL is not this hub's Official Account."""


@dataclass(frozen=True)
class ServerConfig:
    appid: str
    token: str
    encoding_aes_key: str
    original_id: str

    def crypt(self) -> MsgCrypt:
        return MsgCrypt(self.token, self.encoding_aes_key, self.appid)


def _demo_values(base_url: str, appid: str) -> dict[str, str]:
    key = _DEMO_CACHE.format(base=base_url, appid=appid)
    values = cache.get(key)
    if values is None:
        try:
            keys = httpx.get(f"{base_url}/sandbox/keys", timeout=5, trust_env=False).json()
            accounts = httpx.get(f"{base_url}/sandbox/mp/accounts", timeout=5, trust_env=False).json()
            app = next(a for a in keys["apps"] if a["appid"] == appid)
            account = next(a for a in accounts["accounts"] if a["appid"] == appid)
            values = {
                "token": app["token"],
                "encoding_aes_key": app["encoding_aes_key"],
                "original_id": account["original_id"],
            }
        except (httpx.HTTPError, ValueError, KeyError, TypeError, StopIteration):
            return {}  # sandbox not up yet: pushes are refused until it is
        cache.set(key, values, DEMO_TTL_SECONDS)
    return values


def server_config(appid: str) -> ServerConfig:
    """The credentials of the Official Account `appid`; raises NotAnAccount for any other appid."""
    raw = settings.WECHAT_APPS.get("oa") or {}
    if "oa" not in configured_names() or raw.get("appid") != appid:
        raise NotAnAccount(appid)
    values = {k: raw.get(k) or "" for k in ("token", "encoding_aes_key", "original_id")}
    if demo_mode() and not all(values.values()):
        base = (raw.get("base_url") or settings.WECHAT_API_BASE).rstrip("/")
        demo = _demo_values(base, appid)
        values = {k: v or demo.get(k, "") for k, v in values.items()}
    return ServerConfig(appid=appid, **values)


def problems(raw: dict) -> list[str]:
    if not raw or not raw.get("appid"):
        return []
    found = []
    if not TOKEN_SHAPE.fullmatch(raw.get("token") or ""):
        found.append("WECHAT_OA_TOKEN must be the message-server Token (3–32 letters and digits)")
    if not valid_aes_key(raw.get("encoding_aes_key") or ""):
        found.append("WECHAT_OA_ENCODING_AES_KEY must be the 43-character EncodingAESKey")
    if not ORIGINAL_ID_SHAPE.fullmatch(raw.get("original_id") or ""):
        found.append("WECHAT_OA_ORIGINAL_ID must be the account's original id (gh_…)")
    return found


def validate() -> None:
    """Refuse to start in production with the OA configured but its message server not."""
    if demo_mode():
        return
    found = problems(settings.WECHAT_APPS.get("oa") or {})
    if found:
        raise ImproperlyConfigured("Official Account message server: " + "; ".join(found))
