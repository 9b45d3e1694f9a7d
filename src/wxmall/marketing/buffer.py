"""The click buffer: the redirect appends a click without touching the database; a task drains the
buffer into `Click` rows in batches (`actions.flush_clicks`).

Two backends, chosen by settings:

* Redis (`REDIS_URL` set, i.e. production): RPUSH onto one list; draining takes up to N items with an
  atomic LPOP with a count, so any number of web processes and flushers share it.
* Spool files (the embedded default, `core.spool`): one JSON line per click appended to this process's
  file in a single write. Draining sets the live files aside and reads only those still for
  SETTLE_SECONDS, so a writer that opened one just before the rename has finished its line.

Every click carries its own id: a drain that crashed after inserting but before deleting its batch
re-inserts nothing (the unique `click_id`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings

from wxmall.core import spool
from wxmall.core.redis_client import client as shared_redis

REDIS_KEY = "marketing:clicks"
SETTLE_SECONDS = 2.0
ABANDONED_SECONDS = 600.0  # a drainer that died mid-file: its file is taken up again after this
MAX_LINE = 4000  # a click's fields are bounded by the caller; a longer line is a bug, refused


def _redis():
    return shared_redis(settings.REDIS_URL)


def _spool_dir() -> Path:
    path = Path(settings.MARKETING_CLICK_SPOOL_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def push(click: dict) -> None:
    """Append one click (its fields already bounded by the caller, so a line stays below MAX_LINE)."""
    line = json.dumps(click, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(line) > MAX_LINE:
        raise ValueError("click record too large")
    if settings.REDIS_URL:
        _redis().rpush(REDIS_KEY, line)
        return
    # A torn line (a full disk) is skipped by the drain; the redirect goes on.
    spool.append(Path(settings.MARKETING_CLICK_SPOOL_DIR), line + b"\n")


def new_click_id() -> str:
    return os.urandom(16).hex()  # as unique as uuid4().hex (same 32 hex digits), without building a UUID


def drain(limit: int, handle) -> int:
    """Hand batches of at most `limit` clicks to `handle(list[dict])`; returns how many were handled.
    A batch is removed from the buffer only after `handle` returned."""
    if settings.REDIS_URL:
        return _drain_redis(limit, handle)
    return _drain_spool(limit, handle)


def _parse(lines) -> list[dict]:
    clicks = []
    for line in lines:
        try:
            clicks.append(json.loads(line))
        except (ValueError, UnicodeDecodeError):
            continue  # a truncated line (disk full, crash mid-write): dropped, never blocks the rest
    return clicks


def _drain_redis(limit: int, handle) -> int:
    client, done = _redis(), 0
    while True:
        items = client.lpop(REDIS_KEY, limit)  # atomic: concurrent drainers never get the same click
        if not items:
            return done
        try:
            handle(_parse(items))
        except Exception:
            client.lpush(REDIS_KEY, *reversed(items))  # back at the head, in order, for the next drain
            raise
        done += len(items)


def _drain_spool(limit: int, handle) -> int:
    directory, done = _spool_dir(), 0
    spool.set_aside(directory)
    for mine in spool.claim(
        directory, suffix=".draining", settle_seconds=SETTLE_SECONDS, abandoned_seconds=ABANDONED_SECONDS
    ):
        clicks = _parse(mine.read_bytes().splitlines())
        try:
            for start in range(0, len(clicks), limit):
                handle(clicks[start : start + limit])
        except Exception:
            spool.unclaim(mine)  # retried whole next time; click ids make the re-insert a no-op
            raise
        mine.unlink()
        done += len(clicks)
    return done
