"""Factories for tests (and the benchmark) that need events in the store."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings

from . import store
from .actions import local_day


def at(day: date, hour: int = 12, minute: int = 0) -> int:
    """Epoch milliseconds of a shop-local time."""
    moment = datetime.combine(day, time(hour, minute), ZoneInfo(settings.TIME_ZONE))
    return int(moment.timestamp() * 1000)


def event(type: str, visitor: str | None, ts: int, **fields) -> dict:  # noqa: A002 - the column's name
    return {"type": type, "visitor": visitor, "ts": ts, "day": local_day(ts)} | fields


def write_events(events: list[dict]) -> int:
    """Spool `events` (full rows, see `event`) and flush them into Parquet parts at once."""
    store.append(events)
    return store.flush(settle_seconds=0.0)
