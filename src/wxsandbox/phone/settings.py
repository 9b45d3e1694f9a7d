"""The ``[phone]`` table of the sandbox config (all optional):

    [phone]
    # WeChat Pay's JSAPI payment directories ("JSAPI支付授权目录"): only pages in one of them may call
    # getBrandWCPayRequest. Empty (the default) lets every page pay, which is what local development wants.
    jsapi_pay_directories = ["http://127.0.0.1:8000/pay/"]

A page qualifies when its directory (the URL up to the last ``/`` of the path, without query or fragment)
is a registered directory, or when a registered directory is the site root (reference §1.9: "the page URL
directory must be registered …, root allowed"). The page URL is the one the page's bridge script reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from wxsandbox.config import ConfigError

KEYS = frozenset({"jsapi_pay_directories"})


@dataclass(frozen=True)
class PhoneSettings:
    jsapi_pay_directories: tuple[str, ...] = ()


def _directory(url: str) -> str:
    """``scheme://host[:port]/path/to/`` — scheme and host lower-cased, the path as is (it is case-sensitive)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path[: path.rfind('/') + 1]}"


def parse(section: Any) -> PhoneSettings:
    """Validate ``[phone]``; ConfigError names the bad key."""
    unknown = set(section) - KEYS
    if unknown:
        raise ConfigError(f"[phone]: unknown keys {sorted(unknown)}")
    directories = section.get("jsapi_pay_directories", ())
    if isinstance(directories, str) or not all(isinstance(d, str) for d in directories):
        raise ConfigError("[phone].jsapi_pay_directories must be a list of URLs")
    for directory in directories:
        parts = urlsplit(directory)
        if parts.scheme not in ("http", "https") or not parts.netloc or not directory.endswith("/"):
            raise ConfigError(
                f"[phone].jsapi_pay_directories: {directory!r} must be an http(s) URL ending in /"
            )
        if parts.query or parts.fragment:
            raise ConfigError(
                f"[phone].jsapi_pay_directories: {directory!r} must not carry a query or fragment"
            )
    return PhoneSettings(tuple(_directory(d) for d in directories))


def load(sandbox: Any) -> PhoneSettings:
    return parse(sandbox.config.section("phone"))


def page_may_pay(settings: PhoneSettings, page_url: str) -> bool:
    if not settings.jsapi_pay_directories:
        return True
    parts = urlsplit(page_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    site_root = f"{parts.scheme.lower()}://{parts.netloc.lower()}/"
    registered = settings.jsapi_pay_directories
    return _directory(page_url) in registered or site_root in registered
