"""State changes of analytics: stamping and spooling events, server-side order events, ad spend."""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from wxmall.core.errors import DomainError
from wxmall.core.money import parse_yuan
from wxmall.marketing.models import OrderTouch
from wxmall.marketing.touch import Touch

from . import store
from .errors import AnalyticsError
from .models import AdSpend, EventType

MAX_SPEND_ROWS = 5000
CAMPAIGN_MAX = 64


def local_day(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=ZoneInfo(settings.TIME_ZONE)).date().isoformat()


@dataclass(frozen=True)
class Source:
    """Who sent a batch, as the server knows it (never as the batch claims)."""

    visitor: str
    user_id: int | None
    touch: Touch | None


def stamp(events: list[dict], source: Source, *, now_ms: int | None = None) -> list[dict]:
    """Rows for the store: the client's fields plus server time (less the event's own age in the batch),
    visitor, customer and attribution."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    first = source.touch.first_link if source.touch else None
    last = source.touch.last_link if source.touch else None
    rows, days = [], {}
    for event in events:
        ts = now_ms - event.pop("age_ms", 0)
        minute = ts // 60_000  # a zone's day starts on a whole minute: one lookup per minute of the batch
        day = days.get(minute) or days.setdefault(minute, local_day(ts))
        rows.append(
            event
            | {
                "ts": ts,
                "day": day,
                "visitor": source.visitor,
                "user_id": source.user_id,
                "first_link": first,
                "last_link": last,
            }
        )
    return rows


def record(events: list[dict], source: Source) -> None:
    store.append(stamp(events, source))


_UNREAD = object()


def order_event(kind: EventType, order, *, amount: int) -> None:
    """A server-side event for `order`, spooled once its transaction commits (a rolled back placement
    or payment leaves no event behind)."""
    # Placement leaves the touch it just wrote on the instance (marketing.attribute_order); a paid order
    # is a fresh instance and reads it.
    touch = getattr(order, "marketing_touch", _UNREAD)
    row = {"type": str(kind), "order_no": order.order_no, "amount": amount, "user_id": order.user_id}

    def spool() -> None:
        # Read at commit, not now: a Store order's touch is written by another paid hook (channels), in
        # the same transaction, possibly after this one.
        found = OrderTouch.objects.filter(order_id=order.pk).first() if touch is _UNREAD else touch
        store.append(
            stamp_server(
                row
                | {
                    "visitor": (found.visitor or None) if found else None,
                    "first_link": found.first_link_id if found else None,
                    "last_link": found.last_link_id if found else None,
                }
            )
        )

    transaction.on_commit(spool)


def stamp_server(row: dict) -> list[dict]:
    ts = int(time.time() * 1000)
    return [row | {"ts": ts, "day": local_day(ts)}]


# --- ad spend -----------------------------------------------------------------------------------------
def save_spend(campaign: str, day: date, spend: int, impressions: int = 0, clicks: int = 0) -> AdSpend:
    if clicks > impressions > 0:
        raise DomainError(AnalyticsError.BAD_SPEND_FILE, "点击数不能超过曝光数")
    row, _ = AdSpend.objects.update_or_create(
        campaign=campaign, day=day, defaults={"spend": spend, "impressions": impressions, "clicks": clicks}
    )
    return row


def import_spend(text: str) -> int:
    """A CSV with the header `campaign,day,spend_yuan[,impressions,clicks]`: all rows or none. A row for
    a campaign and day already known replaces it (a corrected report)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or len(rows) > MAX_SPEND_ROWS:
        raise DomainError(AnalyticsError.BAD_SPEND_FILE, f"文件应含 1 至 {MAX_SPEND_ROWS} 行数据")
    parsed = [_spend_row(n, row) for n, row in enumerate(rows, start=2)]
    with transaction.atomic():
        for fields in parsed:
            save_spend(**fields)
    return len(parsed)


def _spend_row(line: int, row: dict) -> dict:
    def bad(what: str) -> DomainError:
        return DomainError(AnalyticsError.BAD_SPEND_FILE, f"第 {line} 行：{what}")

    campaign = (row.get("campaign") or "").strip()
    if not campaign or len(campaign) > CAMPAIGN_MAX:
        raise bad(f"活动名称应为 1 至 {CAMPAIGN_MAX} 个字符")
    try:
        day = date.fromisoformat((row.get("day") or "").strip())
    except ValueError:
        raise bad("日期应为 YYYY-MM-DD") from None
    spend = parse_yuan(row.get("spend_yuan") or "")
    if spend is None:
        raise bad("花费应为元，最多两位小数")
    counts = []
    for name in ("impressions", "clicks"):
        value = (row.get(name) or "0").strip()
        if not value.isdigit() or len(value) > 12:
            raise bad(f"{name} 应为非负整数")
        counts.append(int(value))
    if counts[1] > counts[0] > 0:
        raise bad("点击数不能超过曝光数")
    return {"campaign": campaign, "day": day, "spend": spend, "impressions": counts[0], "clicks": counts[1]}
