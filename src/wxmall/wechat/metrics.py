"""Per-API call count, success rate and latency, aggregated per minute in `ApiCallStat`.

Recording is cheap: a call adds to an in-process buffer (a dict under a lock); the buffer is written
with one additive upsert per (minute, appid, api) at most every WECHAT_METRICS_FLUSH_SECONDS or after
WECHAT_METRICS_FLUSH_CALLS calls, and when the process exits. Every process adds into the same rows, so
the console sees the whole deployment. The flush never runs inside a business transaction (its rollback
would take the figures with it); a process killed with SIGKILL loses at most its unflushed seconds.
"""

from __future__ import annotations

import atexit
import bisect
import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import DatabaseError, connection

from wxmall.wechat.models import BUCKET_FIELDS, LATENCY_BUCKETS_MS, ApiCallStat

logger = logging.getLogger(__name__)


@dataclass
class _Tally:
    calls: int = 0
    ok: int = 0
    latency_ms_sum: int = 0
    last_errcode: int = 0
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKET_FIELDS))


def bucket_of(latency_ms: float) -> int:
    return bisect.bisect_left(LATENCY_BUCKETS_MS, latency_ms)


class Recorder:
    """The process's buffer. One per process (held by `clients.registry`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[datetime, str, str], _Tally] = {}
        self._count = 0
        self._last_flush = time.monotonic()
        atexit.register(self._flush_at_exit)

    def record(self, appid: str, api: str, ok: bool, latency_ms: float, errcode: int = 0) -> None:
        minute = datetime.fromtimestamp(time.time() // 60 * 60, tz=UTC)
        with self._lock:
            tally = self._pending.get((minute, appid, api))
            if tally is None:
                tally = self._pending[(minute, appid, api)] = _Tally()
            tally.calls += 1
            tally.ok += ok
            tally.latency_ms_sum += int(latency_ms)
            if errcode:
                tally.last_errcode = errcode
            tally.buckets[bucket_of(latency_ms)] += 1
            self._count += 1
            due = (
                self._count >= settings.WECHAT_METRICS_FLUSH_CALLS
                or time.monotonic() - self._last_flush >= settings.WECHAT_METRICS_FLUSH_SECONDS
            )
        if due and not connection.in_atomic_block:
            self.flush()

    def flush(self, *, quiet: bool = False) -> int:
        """Write the buffer; returns the rows upserted. On a database error the figures are kept."""
        with self._lock:
            pending, self._pending = self._pending, {}
            self._count, self._last_flush = 0, time.monotonic()
        if not pending:
            return 0
        try:
            _upsert(pending)
        except DatabaseError:
            if quiet:
                return 0
            logger.warning("could not write WeChat API stats; keeping them for the next flush", exc_info=True)
            with self._lock:
                for key, tally in pending.items():
                    self._merge(key, tally)
            return 0
        return len(pending)

    def discard(self) -> None:
        """Forget unflushed figures (tests: the previous test's calls belong to its own database)."""
        with self._lock:
            self._pending, self._count = {}, 0

    def _flush_at_exit(self) -> None:
        # At exit the database may be gone (a test database) and logging's streams closed: stay quiet.
        with contextlib.suppress(Exception):
            self.flush(quiet=True)

    def _merge(self, key, tally: _Tally) -> None:
        into = self._pending.setdefault(key, _Tally())
        into.calls += tally.calls
        into.ok += tally.ok
        into.latency_ms_sum += tally.latency_ms_sum
        into.last_errcode = into.last_errcode or tally.last_errcode
        into.buckets = [a + b for a, b in zip(into.buckets, tally.buckets, strict=True)]
        self._count += tally.calls


def _upsert(pending: dict[tuple[datetime, str, str], _Tally]) -> None:
    table = connection.ops.quote_name(ApiCallStat._meta.db_table)
    counters = ("calls", "ok", "latency_ms_sum", *BUCKET_FIELDS)
    columns = ("minute", "appid", "api", "last_errcode", *counters)
    additions = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        f" ON CONFLICT (minute, appid, api) DO UPDATE SET {additions},"
        f" last_errcode = CASE WHEN excluded.last_errcode <> 0 THEN excluded.last_errcode"
        f" ELSE {table}.last_errcode END"
    )
    rows = [
        (
            connection.ops.adapt_datetimefield_value(minute),
            appid,
            api,
            t.last_errcode,
            t.calls,
            t.ok,
            t.latency_ms_sum,
            *t.buckets,
        )
        for (minute, appid, api), t in sorted(pending.items())  # one lock order for every process
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
