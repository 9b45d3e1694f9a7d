"""Delayed work of the Store surface: product audits, unpaid-order timeouts, automatic receipt confirmation.

A timer is a row (kind, ref, due) in the state DB. It is due when the sandbox clock reaches ``due_at`` or
the wall clock reaches ``due_real`` (the delay × ``time_factor``, as for callback retries), so tests
compress waits and advancing the clock fires timers at once. Due timers run

* before every Store API call and control call (a reader never sees a state that should have moved on),
* when the sandbox clock is advanced, and
* on the event loop when the scaled delay elapses (``call_later``), so pushes go out unprompted.

Each timer is claimed with a guarded UPDATE and run in the same transaction as its effect, so two paths
racing for one timer run it once. Handlers are ``handler(sandbox, ref)`` registered per kind at setup.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_timers (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind      TEXT NOT NULL,             -- audit | pay_timeout | auto_confirm
    ref       TEXT NOT NULL,             -- product_id / order_id
    due_at    REAL NOT NULL,             -- sandbox time
    due_real  REAL NOT NULL,             -- wall-clock time (delay scaled by time_factor)
    done      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS store_timers_due ON store_timers (done, due_at);
CREATE INDEX IF NOT EXISTS store_timers_due_real ON store_timers (done, due_real);
"""

_HANDLERS = "store.timer_handlers"


def register(sandbox: Any, kind: str, handler: Callable[[Any, str], None]) -> None:
    sandbox.extras.setdefault(_HANDLERS, {})[kind] = handler


def schedule(sandbox: Any, kind: str, ref: str, delay: float) -> None:
    """Run ``kind``'s handler for ``ref`` after ``delay`` sandbox seconds (0: at the next opportunity)."""
    now, factor = sandbox.clock.now(), sandbox.callbacks.time_factor
    sandbox.state.execute(
        "INSERT INTO store_timers (kind, ref, due_at, due_real) VALUES (?, ?, ?, ?)",
        (kind, ref, now + delay, time.time() + delay * factor),
    )
    with contextlib.suppress(RuntimeError):  # no running loop (e.g. called from a plain thread)
        asyncio.get_running_loop().call_later(delay * factor + 0.001, run_due, sandbox)


def cancel(sandbox: Any, kind: str, ref: str) -> None:
    sandbox.state.execute(
        "UPDATE store_timers SET done = 1 WHERE kind = ? AND ref = ? AND done = 0", (kind, ref)
    )


def run_due(sandbox: Any) -> int:
    """Run every due timer once; returns how many ran."""
    handlers = sandbox.extras.get(_HANDLERS, {})
    # Runs before every Store call: two index range scans, not a scan of every pending timer.
    rows = sandbox.state.query(
        "SELECT id, kind, ref FROM store_timers WHERE done = 0 AND due_at <= ?"
        " UNION SELECT id, kind, ref FROM store_timers WHERE done = 0 AND due_real <= ? ORDER BY id",
        (sandbox.clock.now(), time.time()),
    )
    ran = 0
    for row in rows:
        with sandbox.state.transaction():
            claimed = sandbox.state.execute(
                "UPDATE store_timers SET done = 1 WHERE id = ? AND done = 0", (row["id"],)
            ).rowcount
            handler = handlers.get(row["kind"])
            if claimed and handler is not None:
                handler(sandbox, row["ref"])
                ran += 1
    return ran
