"""Races with real threads against the real test database (SQLite file DB; PostgreSQL in CI)."""

from __future__ import annotations

import threading


def run_parallel(calls):
    """Start every call at the same moment in its own thread; return each result or the exception."""
    from django.db import connection

    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
