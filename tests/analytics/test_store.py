"""The event store: concurrent writers and flushers lose and duplicate nothing, a compaction never lets
a reader count an event twice or miss one, and a damaged spool line blocks nothing."""

import threading
import time
from datetime import date

import pytest

from wxmall.analytics import store
from wxmall.analytics.testing import at, event, write_events

DAY = date(2026, 12, 1)


def count(start=DAY, end=DAY, view="events") -> int:
    con = store.connect(start, end)
    try:
        column = "count(*)" if view == "events" else "sum(pv)"
        return con.execute(f"SELECT coalesce({column}, 0) FROM {view}").fetchone()[0]  # noqa: S608
    finally:
        con.close()


def page_views(n: int, visitor: str = "A") -> list[dict]:
    return [event("page_view", visitor, at(DAY) + i) for i in range(n)]


def test_writers_and_flushers_in_threads_lose_and_duplicate_nothing():
    writers, batches, per_batch = 6, 40, 25
    stop = threading.Event()

    def write(n: int) -> None:
        for _ in range(batches):
            store.append(page_views(per_batch, visitor=f"w{n}"))

    def flush_loop() -> None:
        while not stop.is_set():
            store.flush(settle_seconds=0.05)  # writers are running: let renamed spools settle

    flushers = [threading.Thread(target=flush_loop) for _ in range(2)]
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in flushers + threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    for t in flushers:
        t.join()
    time.sleep(0.06)
    store.flush(settle_seconds=0.05)
    assert count() == writers * batches * per_batch
    assert count(view="visits") == writers * batches * per_batch  # the rollups agree


def test_a_compaction_never_shows_a_reader_a_double_or_a_gap():
    for _ in range(8):
        write_events(page_views(100))
    assert len(store.files(DAY, DAY)) == 8
    seen, stop = set(), threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.add(count())
            except Exception as error:  # a file merged away between listing and reading: retried by Board
                seen.add(type(error).__name__)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        assert store.compact() == 1
    finally:
        stop.set()
        reader.join()
    assert seen <= {800, "IOException"} and 800 in seen
    assert [p.name.startswith("c-") for p in store.files(DAY, DAY)] == [True]
    assert count() == 800 and count(view="visits") == 800
    assert store.compact() == 0  # one part left: nothing to merge


def test_a_damaged_spool_line_is_skipped_and_the_rest_kept(analytics_dir):
    store.append(page_views(3))
    spool = next((analytics_dir / "spool").glob("*.jsonl"))
    with spool.open("ab") as f:
        f.write(b'{"type":"page_view","visitor":"X","ts":17\n')  # a crash mid-write
    store.append(page_views(2, visitor="B"))
    assert store.flush(settle_seconds=0.0) == 5
    assert list((analytics_dir / "spool").iterdir()) == []


def test_days_are_partitions_and_ranges_read_only_theirs():
    write_events(page_views(2) + [event("page_view", "B", at(date(2026, 12, 3)))])
    assert count() == 2 and count(date(2026, 12, 2), date(2026, 12, 3)) == 1
    assert count(date(2026, 11, 1), date(2026, 11, 30)) == 0


@pytest.mark.django_db
def test_a_rolled_up_part_and_a_raw_one_read_together():
    write_events(page_views(3))
    write_events(page_views(2, visitor="B"))
    next(p for p in store.files(DAY, DAY)).with_suffix(".visits").unlink()  # a part without its rollup
    assert count(view="visits") == 5
