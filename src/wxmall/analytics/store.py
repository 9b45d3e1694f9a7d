"""The event store: spool files → Parquet parts partitioned by day → DuckDB.

Writing. Each process appends JSON lines (one write per batch) to its own spool file in `spool/`
(`core.spool`). `flush` (a beat task every ANALYTICS_FLUSH_INTERVAL_SECONDS) sets the spools aside,
claims those that have settled for SETTLE_SECONDS (one flusher wins each), and has DuckDB write one Parquet part per day they touch: `events/day=YYYY-MM-DD/p-<id>.parquet`, written to a
hidden temporary name and renamed into place, so a reader never sees half a file.

A flusher that dies after renaming a part in but before deleting its spools leaves them to be flushed
again after ABANDONED_SECONDS: those events are then counted twice (the window is two renames and an
unlink wide). Losing events is never the failure mode.

Compaction. `compact` merges a day's parts into one `c-<id>.parquet`. It first writes `c-<id>.covers`
(the parts it replaces), then renames the merged file in, then deletes the parts and the list. A reader
that lists the directory at any moment counts every event once: a `.covers` only hides parts once its
merged file exists.

Rollups. Beside every part (flushed or merged) lies `<part>.visits`, the same events collapsed to one
row per visitor, day and touch (flags per funnel step, counts, amounts), written before the part is
renamed in, so a visible part always has it. Dashboards read the rollups: about one row per visit
instead of one per event.

Reading. `connect(start, end)` gives a DuckDB connection with the views `events` (one row per event)
and `visits` (the rollups) over the days asked for.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import date, timedelta
from pathlib import Path

import duckdb
from django.conf import settings

from wxmall.core import spool

SETTLE_SECONDS = 1.0
ABANDONED_SECONDS = 600.0  # a flusher that died holding spools: they are taken up again after this
MERGE_MIN_PARTS = 2

# Parquet column → DuckDB type. The JSON lines use the same names; absent keys are NULL.
COLUMNS: dict[str, str] = {
    "ts": "BIGINT",  # epoch milliseconds, UTC
    "day": "DATE",  # the shop's calendar day (settings.TIME_ZONE) of `ts`
    "type": "VARCHAR",
    "visitor": "VARCHAR",
    "user_id": "BIGINT",
    "path": "VARCHAR",
    "product_id": "BIGINT",
    "content_id": "VARCHAR",
    "order_no": "VARCHAR",
    "amount": "BIGINT",  # fen
    "duration_ms": "BIGINT",
    "first_link": "BIGINT",
    "last_link": "BIGINT",
}
# The funnel's steps: each a boolean column of a visit ("did this visit have one").
VISIT_FLAGS = ("page_view", "product_view", "add_to_cart", "checkout", "order_placed", "order_paid")
_ROLLUP = (
    "SELECT day, visitor, first_link, last_link, "
    + ", ".join(f"bool_or(type = '{t}') AS {t}" for t in VISIT_FLAGS)
    + """,
       count(*) FILTER (WHERE type = 'page_view') AS pv,
       count(*) FILTER (WHERE type = 'order_placed') AS placed,
       count(*) FILTER (WHERE type = 'order_paid') AS paid_orders,
       coalesce(sum(amount) FILTER (WHERE type = 'order_paid'), 0) AS gmv,
       max(user_id) FILTER (WHERE type = 'order_paid') AS buyer,
       count(*) FILTER (WHERE type IN ('video_view', 'live_view')) AS views,
       count(duration_ms) FILTER (WHERE type = 'page_leave') AS leaves,
       coalesce(sum(duration_ms) FILTER (WHERE type = 'page_leave'), 0) AS dwell_ms
    FROM ({source}) GROUP BY day, visitor, first_link, last_link"""
)
_SELECT = ", ".join(f'CAST("{name}" AS {kind}) AS "{name}"' for name, kind in COLUMNS.items())
_EMPTY = ", ".join(f'CAST(NULL AS {kind}) AS "{name}"' for name, kind in COLUMNS.items())


def root() -> Path:
    return Path(settings.ANALYTICS_DIR)


def _dir(name: str) -> Path:
    path = root() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- writing ------------------------------------------------------------------------------------------
def append(events: list[dict]) -> None:
    """Append already validated events (dicts with COLUMNS keys) to this process's spool in one write."""
    if not events:
        return
    data = "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in events)
    spool.append(root() / "spool", data.encode("utf-8"))  # a torn line (disk full) is skipped by flush


def _claim_spools(settle_seconds: float) -> list[Path]:
    directory = _dir("spool")
    spool.set_aside(directory)
    return spool.claim(
        directory, suffix=".flushing", settle_seconds=settle_seconds, abandoned_seconds=ABANDONED_SECONDS
    )


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def flush(*, settle_seconds: float = SETTLE_SECONDS) -> int:
    """Turn settled spools into Parquet parts; returns the number of events written. (`settle_seconds`
    0 is for a single process that knows it is not writing: tests, the benchmark.)"""
    claimed = _claim_spools(settle_seconds)
    if not claimed:
        return 0
    con = duckdb.connect()
    try:
        columns = "{" + ", ".join(f"'{n}': '{t}'" for n, t in COLUMNS.items()) + "}"
        con.execute(
            f"CREATE TEMP TABLE batch AS SELECT {_SELECT} FROM read_json({_sql_list(claimed)},"  # noqa: S608
            f" format='newline_delimited', columns={columns}, ignore_errors=true)"
        )
        written = 0
        for (day,) in con.execute("SELECT DISTINCT day FROM batch WHERE day IS NOT NULL").fetchall():
            written += _write_part(con, "SELECT * FROM batch WHERE day = ? ORDER BY ts", [day], day, "p")
    finally:
        con.close()
    for path in claimed:
        path.unlink(missing_ok=True)
    return written


def _write_part(con, select: str, params: list, day: date, prefix: str) -> int:
    folder = _dir(f"events/day={day.isoformat()}")
    name = f"{prefix}-{uuid.uuid4().hex}"
    _publish(con, select, params, folder, name)
    return con.execute(f"SELECT count(*) FROM read_parquet('{folder / name}.parquet')").fetchone()[0]  # noqa: S608


def _publish(con, select: str, params: list, folder: Path, name: str) -> None:
    """Write `select` as `folder/name.parquet` and its rollup `name.visits`, the part last (atomically)."""
    temporary = folder / f".tmp-{name}.parquet"
    con.execute(f"COPY ({select}) TO '{temporary}' (FORMAT parquet, COMPRESSION zstd)", params)
    rollup = _ROLLUP.format(source=f"SELECT * FROM read_parquet('{temporary}')")
    con.execute(f"COPY ({rollup}) TO '{folder / f'.tmp-{name}.visits'}' (FORMAT parquet, COMPRESSION zstd)")
    os.replace(folder / f".tmp-{name}.visits", folder / f"{name}.visits")
    os.replace(temporary, folder / f"{name}.parquet")


# --- compaction ---------------------------------------------------------------------------------------
def compact(*, min_parts: int = MERGE_MIN_PARTS) -> int:
    """Merge each day's parts into one file; returns the number of days compacted."""
    events = root() / "events"
    done = 0
    for folder in sorted(events.glob("day=*")) if events.exists() else []:
        parts = _visible(folder)
        if len(parts) < min_parts:
            continue
        merged_id = uuid.uuid4().hex
        covers = folder / f"c-{merged_id}.covers"
        temporary = folder / f".tmp-c-{merged_id}.covers"
        temporary.write_text(json.dumps([p.name for p in parts]))
        os.replace(temporary, covers)
        con = duckdb.connect()
        try:
            merged = f"SELECT * FROM read_parquet({_sql_list(parts)}) ORDER BY ts"  # noqa: S608
            _publish(con, merged, [], folder, f"c-{merged_id}")
        except BaseException:
            covers.unlink(missing_ok=True)
            raise
        finally:
            con.close()
        for part in parts:
            part.unlink(missing_ok=True)
            part.with_suffix(".visits").unlink(missing_ok=True)
        covers.unlink(missing_ok=True)
        done += 1
    return done


# --- reading ------------------------------------------------------------------------------------------
def _visible(folder: Path) -> list[Path]:
    """The parts of one day to read: every Parquet file except those a completed merge replaced."""
    names = {p.name for p in folder.iterdir()}
    hidden: set[str] = set()
    for name in names:
        if name.endswith(".covers") and not name.startswith(".") and name[:-7] + ".parquet" in names:
            try:
                hidden.update(json.loads((folder / name).read_text()))
            except (FileNotFoundError, ValueError):
                continue  # the merge just finished and removed it, with the parts it listed
    return sorted(
        folder / n for n in names if n.endswith(".parquet") and not n.startswith(".") and n not in hidden
    )


def files(start: date, end: date) -> list[Path]:
    found: list[Path] = []
    day = start
    while day <= end:
        folder = root() / "events" / f"day={day.isoformat()}"
        if folder.is_dir():
            found.extend(_visible(folder))
        day += timedelta(days=1)
    return found


def connect(start: date, end: date) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the views `events` and `visits` over days start..end. A
    part without its rollup (written by hand, say) is rolled up on the fly."""
    con = duckdb.connect()
    paths = files(start, end)
    events = f"SELECT * FROM read_parquet({_sql_list(paths)})" if paths else f"SELECT {_EMPTY} WHERE false"
    con.execute(f"CREATE VIEW events AS {events}")
    rolled = [p for p in paths if p.with_suffix(".visits").exists()]
    raw = [p for p in paths if p not in rolled]
    sources = (
        [f"SELECT * FROM read_parquet({_sql_list([p.with_suffix('.visits') for p in rolled])})"]
        if rolled
        else []
    )
    if raw or not rolled:
        sources.append(
            _ROLLUP.format(source=f"SELECT * FROM read_parquet({_sql_list(raw)})" if raw else events)
        )
    con.execute("CREATE VIEW visits AS " + " UNION ALL BY NAME ".join(sources))
    return con
