"""The journal: every inbound request and every outbound callback attempt, for tests and the phone UI.

Rows are small (body excerpts, not whole bodies) and trimmed to ``journal_max_rows``. ``direction`` is
``in`` (a client called the sandbox) or ``out`` (the sandbox called a developer server).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from wxsandbox.clock import Clock
from wxsandbox.state import State

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          REAL    NOT NULL,           -- sandbox time
    direction   TEXT    NOT NULL,           -- in | out
    kind        TEXT    NOT NULL DEFAULT '',-- route name (in) or callback kind (out)
    method      TEXT    NOT NULL DEFAULT '',
    target      TEXT    NOT NULL,           -- path+query (in) or URL (out)
    status      INTEGER,                    -- HTTP status; NULL when no answer (timeout, refused)
    duration_ms REAL,
    request     TEXT    NOT NULL DEFAULT '',
    response    TEXT    NOT NULL DEFAULT '',
    note        TEXT    NOT NULL DEFAULT '' -- fault applied, error text, delivery id…
);
CREATE INDEX IF NOT EXISTS journal_kind ON journal (kind);
"""


def excerpt(data: bytes | str, limit: int) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text if len(text) <= limit else text[:limit] + f"…(+{len(text) - limit} chars)"


class Journal:
    """Writes are buffered and flushed in one transaction (every ``FLUSH_ROWS`` rows, and before any read),
    so journaling costs the hot path a list append instead of a commit."""

    FLUSH_ROWS = 200

    def __init__(self, state: State, clock: Clock, excerpt_chars: int = 2000, max_rows: int = 20_000) -> None:
        self._state = state
        self._clock = clock
        self._excerpt = excerpt_chars
        self._max_rows = max_rows
        self._buffer: list[tuple] = []
        self._lock = threading.Lock()
        state.apply_schema(SCHEMA)

    def record(
        self,
        direction: str,
        target: str,
        *,
        kind: str = "",
        method: str = "",
        status: int | None = None,
        duration_ms: float | None = None,
        request: bytes | str = b"",
        response: bytes | str = b"",
        note: str = "",
    ) -> None:
        row = (
            self._clock.now(),
            direction,
            kind,
            method,
            target,
            status,
            duration_ms,
            excerpt(request, self._excerpt),
            excerpt(response, self._excerpt),
            note,
        )
        with self._lock:
            self._buffer.append(row)
            full = len(self._buffer) >= self.FLUSH_ROWS
        if full:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            rows, self._buffer = self._buffer, []
        if not rows:
            return
        with self._state.transaction() as conn:
            conn.executemany(
                "INSERT INTO journal (at, direction, kind, method, target, status, duration_ms, request, response,"
                " note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            last = conn.execute("SELECT MAX(id) FROM journal").fetchone()[0]
            if last and last > self._max_rows:
                conn.execute("DELETE FROM journal WHERE id <= ?", (last - self._max_rows,))

    def entries(
        self,
        *,
        since_id: int = 0,
        direction: str | None = None,
        kind: str | None = None,
        path_prefix: str | None = None,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        """Journal rows after ``since_id`` (oldest first), optionally filtered."""
        self.flush()
        sql = "SELECT * FROM journal WHERE id > ?"
        params: list[Any] = [since_id]
        if direction:
            sql += " AND direction = ?"
            params.append(direction)
        if kind:
            sql += " AND kind GLOB ?"
            params.append(kind)
        if path_prefix:
            sql += " AND substr(target, 1, ?) = ?"
            params += [len(path_prefix), path_prefix]
        sql += " ORDER BY id LIMIT ?"
        params.append(max(1, min(limit, 5000)))
        return [dict(row) for row in self._state.query(sql, params)]

    def last_id(self) -> int:
        self.flush()
        return self._state.scalar("SELECT COALESCE(MAX(id), 0) FROM journal")

    def clear(self) -> None:
        with self._lock:
            self._buffer = []
        self._state.execute("DELETE FROM journal")


def as_json(entries: list[dict[str, Any]]) -> str:
    return json.dumps(entries, ensure_ascii=False)
