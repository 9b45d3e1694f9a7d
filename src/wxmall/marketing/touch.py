"""The signed touch cookie `wxt`: a visitor's first and last tracked link, written only by the redirect.

Attribution never trusts what a page URL or an event batch claims (`?channel=…`, `utm_*`, a forged
`gdt_vid`): the only way to be attributed to a link is to have followed `/l/<code>` for a known, active
code, which signs this cookie with a key derived from the site's SECRET_KEY. Ingest reads it back (no
database read) and stamps every event with the two link ids; a tampered cookie is ignored as if absent.

The value is `t1.<first>.<first_at>.<last>.<last_at>.<mac>`: four integers and a truncated HMAC-SHA256
(128 bits) with the derived key, several times cheaper than `django.core.signing` (JSON, base64 and a key
derivation per call), which the redirect paid on every click. Keys from SECRET_KEY_FALLBACKS still
verify, so rotating the secret does not drop every visitor's attribution at once.

Cookies of the format before `t1` (`django.core.signing`) are still read by `_read_legacy`, the one
place that knows them; it is marked for removal (see there) and writes nothing: the next click rewrites
the cookie as `t1`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing

TOUCH_COOKIE = "wxt"
TOUCH_MAX_AGE = 90 * 86400  # an attribution window of 90 days
_SALT = "wxmall.marketing.touch"
_VALUE = re.compile(r"t1\.(\d{1,12})\.(\d{1,12})\.(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{22})")


@dataclass(frozen=True)
class Touch:
    first_link: int
    first_at: int  # epoch seconds
    last_link: int
    last_at: int


@lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    return hashlib.sha256(f"{_SALT}:{secret}".encode()).digest()


def _mac(secret: str, payload: str) -> str:
    digest = hmac.digest(_key(secret), payload.encode(), "sha256")[:16]  # one C call (hmac.new is Python)
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def read(value: str | None) -> Touch | None:
    if not value or len(value) > 120:
        return None
    match = _VALUE.fullmatch(value)
    if match is None:
        return _read_legacy(value) if _LEGACY.fullmatch(value) else None
    payload, mac = value.rsplit(".", 1)
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]
    if not any(hmac.compare_digest(mac, _mac(secret, payload)) for secret in secrets):
        return None
    touch = Touch(*(int(part) for part in match.groups()[:4]))
    return touch if min(touch.first_link, touch.last_link) > 0 else None


# --- legacy reader: REMOVE 90 days (TOUCH_MAX_AGE) after the `t1` format is deployed --------------------
# By then every browser has dropped its pre-`t1` cookie (the redirect set them with that max-age and has
# not written one since). Removing it is deleting `_LEGACY`, `_read_legacy`, its branch in `read`, the
# `signing` import and tests/marketing's test of it; nothing else refers to the old format.
_LEGACY = re.compile(r"[A-Za-z0-9_\-.]{8,100}:[A-Za-z0-9_-]{20,60}")  # signing's "<base64 payload>:<sig>"


def _read_legacy(value: str) -> Touch | None:
    """A `django.core.signing` cookie (same salt, [first, first_at, last, last_at]) within the window."""
    try:
        touch = Touch(*(int(part) for part in signing.Signer(salt=_SALT).unsign_object(value)))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    fresh = time.time() - touch.last_at <= TOUCH_MAX_AGE  # a browser would have dropped an older one
    return touch if fresh and min(touch.first_link, touch.last_link) > 0 else None


def followed(previous: Touch | None, link_id: int, at: int) -> Touch:
    """The touch after following `link_id`: the first link stays, the last one moves."""
    if previous is None:
        return Touch(link_id, at, link_id, at)
    return Touch(previous.first_link, previous.first_at, link_id, at)


def write(touch: Touch) -> str:
    payload = f"t1.{touch.first_link}.{touch.first_at}.{touch.last_link}.{touch.last_at}"
    return f"{payload}.{_mac(settings.SECRET_KEY, payload)}"
