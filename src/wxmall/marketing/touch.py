"""The signed touch cookie `wxt`: a visitor's first and last tracked link, written only by the redirect.

Attribution never trusts what a page URL or an event batch claims (`?channel=…`, `utm_*`, a forged
`gdt_vid`): the only way to be attributed to a link is to have followed `/l/<code>` for a known, active
code, which signs this cookie with the site's SECRET_KEY. Ingest reads it back (no database read) and
stamps every event with the two link ids; a tampered cookie is ignored as if absent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

TOUCH_COOKIE = "wxt"
TOUCH_MAX_AGE = 90 * 86400  # an attribution window of 90 days
_SALT = "wxmall.marketing.touch"


@dataclass(frozen=True)
class Touch:
    first_link: int
    first_at: int  # epoch seconds
    last_link: int
    last_at: int


def read(value: str | None) -> Touch | None:
    if not value or len(value) > 200:
        return None
    try:
        data = signing.Signer(salt=_SALT).unsign_object(value)
        touch = Touch(*(int(part) for part in data))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return touch if min(touch.first_link, touch.last_link) > 0 else None


def followed(previous: Touch | None, link_id: int, at: int) -> Touch:
    """The touch after following `link_id`: the first link stays, the last one moves."""
    if previous is None:
        return Touch(link_id, at, link_id, at)
    return Touch(previous.first_link, previous.first_at, link_id, at)


def write(touch: Touch) -> str:
    return signing.Signer(salt=_SALT).sign_object(
        [touch.first_link, touch.first_at, touch.last_link, touch.last_at], compress=False
    )
