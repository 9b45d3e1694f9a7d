"""Per-minute event quotas (per visitor, per client address).

With REDIS_URL the count is one atomic INCR on a key shared by every process of the deployment. Without
it (the embedded mode, one host), each process counts in memory: the file cache's read-modify-write is
neither atomic nor cheap (a file rename per increment, a few ms here, more than the whole batch costs).
A host with N web processes then admits up to N times the limit from one source; that bound is the
price of the embedded mode and is documented with the settings.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import cache


class Quotas:
    """One per process, held by the app config (`AnalyticsConfig.quotas`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._minute = 0
        self._used: dict[str, int] = {}

    def take(self, key: str, count: int, limit: int) -> bool:
        """Count `count` events against this minute's window of `key`; False once past `limit`."""
        minute = int(time.time() // 60)
        if settings.REDIS_URL:
            window = f"analytics:quota:{key}:{minute}"
            cache.add(window, 0, 120)
            return cache.incr(window, count) <= limit
        with self._lock:
            if minute != self._minute:
                self._minute, self._used = minute, {}
            used = self._used[key] = self._used.get(key, 0) + count
        return used <= limit
