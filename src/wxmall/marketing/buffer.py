"""The click buffer: the redirect appends a click without touching the database; a task drains the
buffer into `Click` rows in batches (`actions.flush_clicks`).

Two backends, chosen by settings:

* Redis (`REDIS_URL` set, i.e. production): RPUSH onto one list; draining takes up to N items with an
  atomic LRANGE + LTRIM pipeline, so any number of web processes and flushers share it.
* Spool files (the embedded default): one JSON line per click appended with O_APPEND in a single write
  (atomic for lines below PIPE_BUF on a local filesystem, whatever the number of processes). Draining
  renames the live file aside first and reads only files renamed at least SETTLE_SECONDS ago, so a
  writer that opened the old file just before the rename has finished its line.

Every click carries its own id: a drain that crashed after inserting but before deleting its batch
re-inserts nothing (the unique `click_id`).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

from django.conf import settings

REDIS_KEY = "marketing:clicks"
SETTLE_SECONDS = 2.0
ABANDONED_SECONDS = 600.0  # a drainer that died mid-file: its file is taken up again after this
MAX_LINE = 4000  # below PIPE_BUF (4096): one write, never interleaved


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


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
    path = os.path.join(settings.MARKETING_CLICK_SPOOL_DIR, "clicks.jsonl")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    except FileNotFoundError:
        _spool_dir()  # first click ever: make the directory
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line + b"\n")
    finally:
        os.close(fd)


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
    spool, done = _spool_dir(), 0
    live = spool / "clicks.jsonl"
    if live.exists():
        os.replace(live, spool / f"clicks.{uuid.uuid4().hex}.settling")
    stale = [
        p for p in spool.glob("clicks.*.draining-*") if time.time() - p.stat().st_mtime > ABANDONED_SECONDS
    ]
    for path in sorted(spool.glob("clicks.*.settling")) + stale:
        try:
            if time.time() - path.stat().st_mtime < SETTLE_SECONDS:
                continue  # written to lately: a writer that opened it before the rename may not be done
            mine = path.with_suffix(f".draining-{uuid.uuid4().hex[:8]}")
            os.rename(path, mine)  # only one drainer wins each file
        except FileNotFoundError:
            continue
        with mine.open("rb") as f:
            clicks = _parse(f.read().splitlines())
        try:
            for start in range(0, len(clicks), limit):
                handle(clicks[start : start + limit])
        except Exception:
            os.rename(mine, path)  # retried whole next time; click ids make the re-insert a no-op
            raise
        mine.unlink()
        done += len(clicks)
    return done
