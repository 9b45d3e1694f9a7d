"""JS-SDK `wx.config` for the shop's H5 pages (reference §5.5).

`config_for(url)` signs the exact page URL (minus any `#fragment`) with the Official Account's
jsapi_ticket from the shared token service; `signature()` is the bare algorithm (SHA-1 over
`jsapi_ticket=…&noncestr=…&timestamp=…&url=…`, keys in that order, nothing escaped).

Only URLs on the shop's own origin are signed (SITE_URL, or a host named explicitly in ALLOWED_HOSTS):
a signature for a foreign page would let another site use our Official Account's JS-SDK.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import validate_host

MAX_URL_CHARS = 2048
_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f\\]")


class UrlNotAllowed(ValueError):
    """The URL is malformed or not on the shop's origin."""


def signature(jsapi_ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    string1 = (
        f"jsapi_ticket={jsapi_ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url.split('#', 1)[0]}"
    )
    return hashlib.sha1(string1.encode("utf-8")).hexdigest()


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def check_url(url: str) -> str:
    """The URL to sign (fragment removed), or UrlNotAllowed."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS or _UNSAFE.search(url):
        raise UrlNotAllowed("malformed")
    page = url.split("#", 1)[0]
    try:
        parts = urlsplit(page)
        scheme, host, port = _origin(page)
    except ValueError as exc:  # e.g. a port that is not a number
        raise UrlNotAllowed("malformed") from exc
    if (
        scheme not in ("http", "https")
        or not host
        or parts.username is not None
        or parts.password is not None
    ):
        raise UrlNotAllowed("malformed")
    if (scheme, host, port) == _origin(settings.SITE_URL):
        return page
    explicit = [h for h in settings.ALLOWED_HOSTS if h != "*"]
    site_scheme = urlsplit(settings.SITE_URL).scheme
    netloc = host if port in (80, 443) else f"{host}:{port}"
    if scheme == site_scheme and explicit and validate_host(netloc, explicit):
        return page
    raise UrlNotAllowed("foreign origin")


def config_for(url: str, *, app: str = "oa") -> dict[str, object]:
    """`wx.config` fields for the page at `url`: appId, timestamp, nonceStr, signature."""
    from wxmall.wechat import client

    page = check_url(url)
    wx = client(app)
    ticket = wx.tickets.get()
    noncestr = secrets.token_urlsafe(12)
    timestamp = int(time.time())
    return {
        "appId": wx.appid,
        "timestamp": timestamp,
        "nonceStr": noncestr,
        "signature": signature(ticket, noncestr, timestamp, page),
    }
