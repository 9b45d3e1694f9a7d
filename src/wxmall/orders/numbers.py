"""Order numbers. They double as WeChat Pay's `out_trade_no` (6–32 chars of [0-9A-Za-z_-|*], unique per
merchant), so they are ORDER_NO_PREFIX + Beijing time yyyymmddHHMMSS + 6 random digits, e.g.
WX20261123193005482913. Readable for support staff, sortable by time, not guessable in sequence.
A collision (1 in a million per second per prefix) is caught by the unique constraint and retried by
the caller with a fresh number."""

from __future__ import annotations

import re
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

OUT_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")
_BEIJING = ZoneInfo("Asia/Shanghai")


def new_order_no(now=None) -> str:
    now = (now or timezone.now()).astimezone(_BEIJING)
    number = f"{settings.ORDER_NO_PREFIX}{now:%Y%m%d%H%M%S}{secrets.randbelow(10**6):06d}"
    if not OUT_TRADE_NO.fullmatch(number):
        raise ValueError(f"ORDER_NO_PREFIX {settings.ORDER_NO_PREFIX!r} makes invalid order numbers")
    return number


def looks_like_order_no(value: str) -> bool:
    return bool(OUT_TRADE_NO.fullmatch(value or ""))
