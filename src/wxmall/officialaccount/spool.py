"""The push spool: the message server's fast path appends each new push (a JSON line) to this process's
spool file (`core.spool`) instead of writing a row in the request; `drain` (a worker task, kicked by
the pushes and swept by beat) inserts them in batches and only then deletes the file. A drainer that
dies mid-file leaves `*.draining` behind, taken up again after ABANDONED_SECONDS: the re-insert is
absorbed by InboundMessage's unique (appid, dedupe_key), so a push is stored exactly once whatever
crashes when. A host that crashes (not a process) can lose the last seconds of lines still in its page
cache; WeChat was answered for them, as it is by a database that loses its unsynced tail.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from wxmall.core import spool as files

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 1.0
ABANDONED_SECONDS = 600.0


def _dir() -> Path:
    path = Path(settings.OA_SPOOL_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def append(record: dict) -> None:
    """Append one push (a JSON-able dict) to this process's spool; raises OSError when it cannot."""
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    if not files.append(Path(settings.OA_SPOOL_DIR), line):  # the caller stores the push in the database
        raise OSError("short write to the OA spool")


def _claim(spool: Path, settle_seconds: float) -> list[Path]:
    return files.claim(
        spool, suffix=".draining", settle_seconds=settle_seconds, abandoned_seconds=ABANDONED_SECONDS
    )


def _records(path: Path) -> list[dict]:
    records = []
    for line in path.read_bytes().splitlines():
        try:
            records.append(json.loads(line))
        except (ValueError, UnicodeDecodeError):
            logger.error("OA spool %s: a torn line skipped", path.name)  # only a crash mid-write tears one
    return records


@dataclass(frozen=True)
class Drained:
    pushes: int
    files: int
    max_lag_s: float  # oldest push's time from its request to its insert, in this drain
    settling: bool = False  # files wait to settle: drain again in SETTLE_SECONDS


def drain(
    handle: Callable[[list[dict]], None],
    *,
    batch: int = 500,
    settle_seconds: float | None = None,
    wait: bool = False,
) -> Drained:
    """Hand the spooled pushes to `handle` in batches; a file is deleted only once all its batches were
    handled (a failure puts it back whole for the next drain: `handle` must be idempotent). Files set
    aside by this drain are taken by the next one once settled (`wait`: sleep and take them now), so a
    worker never sleeps in it; `Drained.settling` says whether a follow-up drain is due."""
    spool = _dir()
    settle_seconds = SETTLE_SECONDS if settle_seconds is None else settle_seconds
    if files.set_aside(spool) and wait and settle_seconds:
        time.sleep(settle_seconds)
    pushes, taken, oldest = 0, 0, None
    for mine in _claim(spool, settle_seconds):
        records = _records(mine)
        try:
            for start in range(0, len(records), batch):
                handle(records[start : start + batch])
        except Exception:
            files.unclaim(mine)
            raise
        mine.unlink()
        pushes, taken = pushes + len(records), taken + 1
        if records:
            first = min(r.get("received_at", time.time()) for r in records)
            oldest = first if oldest is None else min(oldest, first)
    lag = round(time.time() - oldest, 3) if oldest is not None else 0.0
    return Drained(pushes, taken, lag, settling=files.settling(spool))


def backlog_bytes() -> int:
    spool = Path(settings.OA_SPOOL_DIR)
    return sum(p.stat().st_size for p in spool.iterdir()) if spool.is_dir() else 0
