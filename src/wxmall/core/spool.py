"""Append-only spool files written by web processes and taken by one worker at a time: analytics' event
store and the Official Account message server write through them instead of a database row per request.

Each process appends to its own file `<host>-<pid>.jsonl` with one `os.write` per call (O_APPEND), so
threads of a process never interleave. A taker renames the live files aside (`set_aside`: new writes open
fresh files), waits until each has been still for a settling time (a writer that opened one just before
the rename has finished its line), and claims it by a second rename (`claim`: one taker wins each). A
taker that dies holding a file leaves it claimed; it is taken up again after `abandoned_seconds`, so the
consumer must tolerate seeing a file twice. A host crash (not a process) can lose lines still in the page
cache."""

from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path

SETTLING = ".settling"


def append(directory: Path, data: bytes) -> bool:
    """Append `data` (whole lines) to this process's file in `directory`; raises OSError when the file
    cannot be opened or written. Returns False for a short write (a full disk): the taker skips the torn
    line it leaves, and the caller decides whether that loses anything it must keep."""
    path = os.path.join(directory, f"{socket.gethostname()}-{os.getpid()}.jsonl")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    except FileNotFoundError:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        return os.write(fd, data) == len(data)
    finally:
        os.close(fd)


def set_aside(directory: Path) -> int:
    """Rename the live files aside to settle; returns how many were."""
    moved = 0
    for live in directory.glob("*.jsonl"):
        try:
            os.replace(live, live.with_name(f"{live.stem}.{uuid.uuid4().hex[:12]}{SETTLING}"))
            moved += 1
        except FileNotFoundError:
            continue
    return moved


def claim(directory: Path, *, suffix: str, settle_seconds: float, abandoned_seconds: float) -> list[Path]:
    """Claim (rename to `suffix`) every settled file and every file claimed more than `abandoned_seconds`
    ago by a taker that never finished it; returns the claimed paths."""
    now, claimed = time.time(), []
    abandoned = [p for p in directory.glob(f"*{suffix}") if now - p.stat().st_mtime > abandoned_seconds]
    for path in sorted(directory.glob(f"*{SETTLING}")) + abandoned:
        try:
            if path.suffix == SETTLING and now - path.stat().st_mtime < settle_seconds:
                continue
            mine = path.with_suffix(suffix)
            os.rename(path, mine)  # only one taker wins each file
            os.utime(mine)  # abandoned-after counts from this claim
        except FileNotFoundError:
            continue
        claimed.append(mine)
    return claimed


def unclaim(path: Path) -> None:
    """Put a claimed file back to be taken again (its consumer failed)."""
    os.rename(path, path.with_suffix(SETTLING))


def settling(directory: Path) -> bool:
    return any(directory.glob(f"*{SETTLING}"))
