"""Races on a real database with real threads: start calls at the same moment, collect what each got."""

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


def codes(results):
    """Each result's DomainError code, or its type name, sorted."""
    from wxmall.core.errors import DomainError

    return sorted(r.code if isinstance(r, DomainError) else type(r).__name__ for r in results)
