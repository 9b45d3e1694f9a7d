"""The push spool: the message server's fast path appends each new push to a file instead of writing a
row in the request; `drain` (a worker task, kicked by the pushes and swept by beat) bulk-inserts them.

Each web process appends JSON lines to its own file `<host>-<pid>.jsonl` (O_APPEND, one `os.write` per
push, so threads of one process never interleave). A drain renames the live files aside, waits until
they have been still for SETTLE_SECONDS (a writer that opened one just before the rename has finished
its line), claims each by a second rename (one drainer wins it), inserts its pushes in batches and only
then deletes it. A drainer that dies mid-file leaves `*.draining` behind, taken up again after
ABANDONED_SECONDS: the re-insert is absorbed by InboundMessage's unique (appid, dedupe_key), so a push is
stored exactly once whatever crashes when. A host that crashes (not a process) can lose the last
seconds of lines still in its page cache; WeChat was answered for them, as it is by a database that
loses its unsynced tail.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

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
    path = os.path.join(settings.OA_SPOOL_DIR, f"{socket.gethostname()}-{os.getpid()}.jsonl")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    except FileNotFoundError:
        _dir()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        written = os.write(fd, line)
    finally:
        os.close(fd)
    if written != len(line):  # disk full mid-line: the drain skips the torn line, the caller falls back
        raise OSError("short write to the OA spool")


def _set_aside(spool: Path) -> int:
    """Rename the live files aside (new pushes open fresh ones); returns how many were."""
    moved = 0
    for live in spool.glob("*.jsonl"):
        try:
            os.replace(live, live.with_name(f"{live.stem}.{uuid.uuid4().hex[:12]}.settling"))
            moved += 1
        except FileNotFoundError:
            continue
    return moved


def _claim(spool: Path, settle_seconds: float) -> list[tuple[Path, Path]]:
    """(claimed path, the name to put it back under) for every settled or abandoned file."""
    now, claimed = time.time(), []
    abandoned = [p for p in spool.glob("*.draining") if now - p.stat().st_mtime > ABANDONED_SECONDS]
    for path in sorted(spool.glob("*.settling")) + abandoned:
        try:
            if path.suffix == ".settling" and now - path.stat().st_mtime < settle_seconds:
                continue
            mine = path.with_suffix(".draining")
            os.rename(path, mine)  # only one drainer wins each file
            os.utime(mine)  # abandoned-after counts from this claim
        except FileNotFoundError:
            continue
        claimed.append((mine, path.with_suffix(".settling")))
    return claimed


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
    if _set_aside(spool) and wait and settle_seconds:
        time.sleep(settle_seconds)
    pushes, files, oldest = 0, 0, None
    for mine, back in _claim(spool, settle_seconds):
        records = _records(mine)
        try:
            for start in range(0, len(records), batch):
                handle(records[start : start + batch])
        except Exception:
            os.rename(mine, back)
            raise
        mine.unlink()
        pushes, files = pushes + len(records), files + 1
        if records:
            first = min(r.get("received_at", time.time()) for r in records)
            oldest = first if oldest is None else min(oldest, first)
    lag = round(time.time() - oldest, 3) if oldest is not None else 0.0
    return Drained(pushes, files, lag, settling=any(spool.glob("*.settling")))


def backlog_bytes() -> int:
    spool = Path(settings.OA_SPOOL_DIR)
    return sum(p.stat().st_size for p in spool.iterdir()) if spool.is_dir() else 0
