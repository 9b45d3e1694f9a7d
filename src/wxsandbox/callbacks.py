"""Outbound HTTP deliveries (payment notifications, OA message pushes…) with retry schedules and faults.

A surface registers a ``CallbackKind`` (name, retry schedule, timeout, how to build each attempt's headers
and body, what counts as success), then calls ``enqueue(kind, url, body, meta)``. A background asyncio task
(started in the app lifespan) sends due deliveries and reschedules failures.

Time: every delivery carries a *sandbox-time* schedule (``next_at``: first attempt time, then + each interval
of the kind's schedule, exactly) and a *real-time* due moment (``next_real`` = interval × ``time_factor``).
A delivery is due when either is reached, so tests compress waits with ``time_factor`` (e.g. 0.001) and
advancing the sandbox clock makes pending retries due at once. Attempt rows keep ``scheduled_at`` (sandbox
time), so retry spacing can be asserted exactly.

Faults (rules targeting ``callback:<kind>``), decided at enqueue: ``drop`` (never sent), ``duplicate`` (two
deliveries), ``delay_seconds`` (first attempt later), ``reorder`` (held back until another delivery of the
same kind has been attempted, at most ``delay_seconds`` or 60 s sandbox time).

Ordering: ``enqueue(..., after=id)`` keeps a delivery back while delivery ``id`` is still pending or being
sent (a Pay signature probe strictly precedes its notification).

Deliveries and attempts live in the state DB; a restarted file-backed sandbox resumes pending deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wxsandbox.clock import Clock
from wxsandbox.faults import FaultInjector
from wxsandbox.journal import Journal, excerpt
from wxsandbox.outbound import OutboundError, OutboundHTTP
from wxsandbox.state import State

SCHEMA = """
CREATE TABLE IF NOT EXISTS callback_deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    body          BLOB    NOT NULL,
    meta          TEXT    NOT NULL DEFAULT '{}',
    status        TEXT    NOT NULL DEFAULT 'pending',  -- pending | sending | delivered | failed | dropped
    attempts      INTEGER NOT NULL DEFAULT 0,
    held          INTEGER NOT NULL DEFAULT 0,          -- reorder fault: waiting for a later delivery
    fault         TEXT    NOT NULL DEFAULT '',
    created_at    REAL    NOT NULL,                    -- sandbox time
    next_at       REAL    NOT NULL,                    -- sandbox time of the next attempt (exact schedule)
    next_real     REAL    NOT NULL,                    -- wall-clock time of the next attempt (scaled)
    finished_at   REAL,
    last_status   INTEGER,
    last_response BLOB
);
CREATE INDEX IF NOT EXISTS callback_due ON callback_deliveries (status, next_real);
CREATE TABLE IF NOT EXISTS callback_attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id   INTEGER NOT NULL REFERENCES callback_deliveries (id) ON DELETE CASCADE,
    attempt       INTEGER NOT NULL,
    scheduled_at  REAL    NOT NULL,                    -- sandbox time the schedule asked for
    sent_at       REAL    NOT NULL,                    -- sandbox time it was actually sent
    status        INTEGER,                             -- NULL: no HTTP answer (timeout, refused)
    duration_ms   REAL    NOT NULL,
    error         TEXT    NOT NULL DEFAULT '',
    response      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS callback_attempts_delivery ON callback_attempts (delivery_id);
"""

FINAL_STATUSES = ("delivered", "failed", "dropped")


def success_on_2xx_200_204(status: int, body: bytes) -> bool:
    """WeChat Pay's rule: HTTP 200 or 204 is success whatever the body says (reference §1.11)."""
    return status in (200, 204)


@dataclass(frozen=True)
class CallbackKind:
    """How one kind of outbound callback is sent.

    ``prepare(delivery)`` returns ``(headers, body)`` for one attempt; it is called for every attempt, so
    signatures/timestamps are fresh. ``delivery`` is a dict with id, kind, url, body (bytes), meta (dict),
    attempts (already made). ``on_result(delivery, status, response_body)`` (optional) runs after every
    attempt, e.g. to parse a passive reply.
    """

    name: str
    schedule: tuple[float, ...]
    timeout: float = 5.0
    prepare: Callable[[dict[str, Any]], tuple[dict[str, str], bytes]] | None = None
    is_success: Callable[[int, bytes], bool] = success_on_2xx_200_204
    on_result: Callable[[dict[str, Any], int | None, bytes], None] | None = None
    method: str = "POST"


class Callbacks:
    def __init__(
        self,
        state: State,
        clock: Clock,
        journal: Journal,
        faults: FaultInjector,
        time_factor: float = 1.0,
        max_concurrency: int = 64,
    ) -> None:
        self._state = state
        self._clock = clock
        self._journal = journal
        self._faults = faults
        self.time_factor = time_factor
        self._kinds: dict[str, CallbackKind] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._runner: asyncio.Task | None = None
        self._inflight: set[asyncio.Task] = set()
        self._waiters: dict[int, list[asyncio.Future]] = {}
        self._client: OutboundHTTP | None = None
        self._max_concurrency = max_concurrency
        state.apply_schema(SCHEMA)
        clock.on_advance(lambda _now: self._poke())

    # -- registration -------------------------------------------------------------------------------------
    def register(self, kind: CallbackKind) -> None:
        self._kinds[kind.name] = kind

    def kind(self, name: str) -> CallbackKind | None:
        return self._kinds.get(name)

    # -- enqueue ------------------------------------------------------------------------------------------
    def enqueue(
        self,
        kind: str,
        url: str,
        body: bytes,
        meta: dict[str, Any] | None = None,
        delay: float = 0.0,
        after: int | None = None,
    ) -> list[int]:
        """Queue a delivery; returns the ids created (two with a duplicate fault, one ``dropped`` row when
        a drop fault fires). Safe to call from any thread."""
        rule = self._faults.check(f"callback:{kind}")
        copies, held, fault = 1, 0, ""
        if rule is not None:
            fault = rule.id
            if rule.duplicate:
                copies = 2
            if rule.reorder:
                held = 1
                delay += rule.delay_seconds or 60.0
            elif rule.delay_seconds:
                delay += rule.delay_seconds
        now, real = self._clock.now(), time.time()
        meta_json = json.dumps((meta or {}) | ({"after": after} if after else {}), ensure_ascii=False)
        status = "dropped" if rule is not None and rule.drop else "pending"
        ids = []
        for _ in range(copies):
            cur = self._state.execute(
                "INSERT INTO callback_deliveries (kind, url, body, meta, status, held, fault, created_at, next_at,"
                " next_real, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    url,
                    body,
                    meta_json,
                    status,
                    held,
                    fault,
                    now,
                    now + delay,
                    real + delay * self.time_factor,
                    now if status == "dropped" else None,
                ),
            )
            ids.append(cur.lastrowid)
        if status == "dropped":
            self._journal.record(
                "out",
                url,
                kind=kind,
                method="POST",
                request=body,
                note=f"delivery={ids[0]} dropped by fault {fault}",
            )
        self._poke()
        return ids

    # -- inspection ---------------------------------------------------------------------------------------
    def get(self, delivery_id: int) -> dict[str, Any] | None:
        row = self._state.one("SELECT * FROM callback_deliveries WHERE id = ?", (delivery_id,))
        return self._describe(row) if row else None

    def list(
        self, *, kind: str | None = None, status: str | None = None, since_id: int = 0, limit: int = 200
    ) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM callback_deliveries WHERE id > ?", [since_id]
        if kind:
            sql += " AND kind GLOB ?"
            params.append(kind)
        if status:
            sql += " AND status = ?"
            params.append(status)
        sql += " ORDER BY id LIMIT ?"
        params.append(max(1, min(limit, 5000)))
        return [self._describe(r) for r in self._state.query(sql, params)]

    def _describe(self, row) -> dict[str, Any]:
        attempts = [
            dict(a)
            for a in self._state.query(
                "SELECT attempt, scheduled_at, sent_at, status, duration_ms, error, response FROM callback_attempts"
                " WHERE delivery_id = ? ORDER BY attempt",
                (row["id"],),
            )
        ]
        data = dict(row)
        data["body"] = bytes(row["body"]).decode("utf-8", "replace")
        data["meta"] = json.loads(row["meta"])
        data["last_response"] = bytes(row["last_response"] or b"").decode("utf-8", "replace")
        data["attempt_log"] = attempts
        return data

    async def wait(self, delivery_id: int, timeout: float = 5.0) -> dict[str, Any] | None:
        """Wait (on the sandbox's loop) until the delivery is final or ``timeout`` passes; returns it."""
        current = self.get(delivery_id)
        if current is None or current["status"] in FINAL_STATUSES:
            return current
        future = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(delivery_id, []).append(future)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(future, timeout)
        return self.get(delivery_id)

    def cancel(self, delivery_id: int) -> bool:
        """Withdraw a delivery that has not been sent yet (status becomes ``dropped``)."""
        cur = self._state.execute(
            "UPDATE callback_deliveries SET status = 'dropped', fault = 'cancelled',"
            " finished_at = ? WHERE id = ? AND status = 'pending'",
            (self._clock.now(), delivery_id),
        )
        return cur.rowcount == 1

    def reset(self) -> None:
        self._state.execute("DELETE FROM callback_deliveries")

    # -- lifecycle ----------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._client = OutboundHTTP(max_idle_per_origin=self._max_concurrency)
        # Deliveries interrupted by a stop are retried.
        self._state.execute("UPDATE callback_deliveries SET status = 'pending' WHERE status = 'sending'")
        self._runner = asyncio.create_task(self._run(), name="wxsandbox-callbacks")

    async def stop(self) -> None:
        tasks = [t for t in (self._runner, *self._inflight) if t]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.aclose()
        self._runner, self._loop, self._client = None, None, None

    def _poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wake.set()
        else:
            loop.call_soon_threadsafe(wake.set)

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            for delivery in self._claim_due():
                task = asyncio.create_task(self._attempt(delivery))
                self._inflight.add(task)
                task.add_done_callback(self._attempt_done)
            if len(self._inflight) >= self._max_concurrency:
                # Saturated: due deliveries wait for a slot; a finishing attempt frees one and pokes.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)
                continue
            next_real = self._state.scalar(
                "SELECT MIN(next_real) FROM callback_deliveries WHERE status = 'pending'"
            )
            wait = 1.0 if next_real is None else min(1.0, max(0.0, next_real - time.time()))
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
            else:
                await asyncio.sleep(0)  # never spin without letting in-flight attempts run

    def _attempt_done(self, task: asyncio.Task) -> None:
        # Free the slot *then* wake the dispatcher: waking it before the task leaves ``_inflight`` would let
        # it see a full house, go back to sleep, and lose the wake-up.
        self._inflight.discard(task)
        self._poke()

    def _claim_due(self) -> list[dict[str, Any]]:
        free = self._max_concurrency - len(self._inflight)
        if free <= 0:
            return []
        with self._state.transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM callback_deliveries d WHERE status = 'pending' AND (next_real <= ? OR next_at <= ?)"
                " AND NOT EXISTS (SELECT 1 FROM callback_deliveries p WHERE p.id = json_extract(d.meta, '$.after')"
                " AND p.status IN ('pending', 'sending'))"
                " ORDER BY next_real, id LIMIT ?",
                (time.time(), self._clock.now(), free),
            ).fetchall()
            if rows:
                conn.executemany(
                    "UPDATE callback_deliveries SET status = 'sending' WHERE id = ?",
                    [(r["id"],) for r in rows],
                )
        return [dict(r) | {"meta": json.loads(r["meta"]), "body": bytes(r["body"])} for r in rows]

    async def _attempt(self, delivery: dict[str, Any]) -> None:
        kind = self._kinds.get(delivery["kind"])
        attempt_no = delivery["attempts"] + 1
        scheduled_at, sent_at = delivery["next_at"], self._clock.now()
        status: int | None = None
        response = b""
        error = ""
        started = time.perf_counter()
        headers: dict[str, str] = {}
        body = delivery["body"]
        if kind is None:
            error = f"no callback kind {delivery['kind']!r} registered"
        else:
            try:
                if kind.prepare is not None:
                    headers, body = kind.prepare(delivery)
                assert self._client is not None
                status, response = await self._client.request(
                    kind.method, delivery["url"], body, headers, timeout=kind.timeout
                )
            except TimeoutError:
                error = "timeout"
            except OutboundError as exc:
                error = str(exc)
            except Exception as exc:  # a surface's prepare() bug must not kill the dispatcher
                error = f"{type(exc).__name__}: {exc}"
        duration_ms = (time.perf_counter() - started) * 1000
        ok = kind is not None and status is not None and kind.is_success(status, response)
        schedule = kind.schedule if kind else ()
        with self._state.transaction() as conn:
            conn.execute(
                "INSERT INTO callback_attempts (delivery_id, attempt, scheduled_at, sent_at, status, duration_ms,"
                " error, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    delivery["id"],
                    attempt_no,
                    scheduled_at,
                    sent_at,
                    status,
                    duration_ms,
                    error,
                    excerpt(response, 2000),
                ),
            )
            if ok:
                conn.execute(
                    "UPDATE callback_deliveries SET status = 'delivered', attempts = ?, finished_at = ?,"
                    " last_status = ?, last_response = ? WHERE id = ?",
                    (attempt_no, self._clock.now(), status, response[:65536], delivery["id"]),
                )
            elif attempt_no <= len(schedule):
                interval = schedule[attempt_no - 1]
                conn.execute(
                    "UPDATE callback_deliveries SET status = 'pending', attempts = ?, next_at = ?,"
                    " next_real = ?, last_status = ?, last_response = ? WHERE id = ?",
                    (
                        attempt_no,
                        scheduled_at + interval,
                        time.time() + interval * self.time_factor,
                        status,
                        response[:65536],
                        delivery["id"],
                    ),
                )
            else:
                conn.execute(
                    "UPDATE callback_deliveries SET status = 'failed', attempts = ?, finished_at = ?,"
                    " last_status = ?, last_response = ? WHERE id = ?",
                    (attempt_no, self._clock.now(), status, response[:65536], delivery["id"]),
                )
            if attempt_no == 1:
                # A later delivery has now overtaken any held one of the same kind: release them.
                conn.execute(
                    "UPDATE callback_deliveries SET held = 0, next_at = ?, next_real = ?"
                    " WHERE kind = ? AND held = 1 AND status = 'pending' AND id != ?",
                    (self._clock.now(), time.time(), delivery["kind"], delivery["id"]),
                )
        self._journal.record(
            "out",
            delivery["url"],
            kind=delivery["kind"],
            method=kind.method if kind else "POST",
            status=status,
            duration_ms=duration_ms,
            request=body,
            response=response,
            note=f"delivery={delivery['id']} attempt={attempt_no}" + (f" error={error}" if error else ""),
        )
        if kind is not None and kind.on_result is not None:
            try:
                kind.on_result(delivery | {"attempts": attempt_no}, status, response)
            except Exception as exc:
                self._journal.record(
                    "out",
                    delivery["url"],
                    kind=delivery["kind"],
                    note=f"on_result failed: {type(exc).__name__}: {exc}",
                )
        final = self._state.scalar("SELECT status FROM callback_deliveries WHERE id = ?", (delivery["id"],))
        if final in FINAL_STATUSES:
            for future in self._waiters.pop(delivery["id"], []):
                if not future.done():
                    future.set_result(final)
        self._poke()
