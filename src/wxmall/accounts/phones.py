"""Phone numbers as customers type them and as old shops stored them: one normal form, and the lookup hash
that finds a customer by number while the number itself stays encrypted (`core.fields.lookup_hash`).

Normal form: a mainland mobile is its 11 digits (1[3-9]xxxxxxxxx), with "+86", "0086" or "86" in front,
spaces, dashes, dots and brackets removed; any other number keeps a "+<country code><digits>" form (what
WeChat's getPhoneNumber gives for foreign numbers). Anything else is not a phone number."""

from __future__ import annotations

import re

from wxmall.core.fields import lookup_hash

MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-.()（）\u00a0\u3000]")
_INTERNATIONAL = re.compile(r"\+?(?:00)?([1-9]\d{0,2})(\d{6,14})")
MAX_INPUT = 40


def normalize(raw: str) -> str | None:
    """The normal form of `raw`, or None when it is not a phone number (too short or long, letters, a
    mainland number that is not a mobile)."""
    if not raw or len(raw) > MAX_INPUT:
        return None
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    elif text.startswith(("+", "00")):
        match = _INTERNATIONAL.fullmatch(text)
        return f"+{match.group(1)}{match.group(2)}" if match else None
    return text if MAINLAND_MOBILE.fullmatch(text) else None


def phone_hash(normal: str) -> str:
    """The lookup hash of a number already in normal form."""
    return lookup_hash(normal)
