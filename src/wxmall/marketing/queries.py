"""Read side of marketing (the analytics issue builds on Click and VisitorTouch)."""

from __future__ import annotations

import secrets
import time

from django.core.cache import cache
from django.db import connection
from django.db.models import Count

from .models import Click, Link

TARGET_CACHE = "marketing:link:{code}"
TARGET_GENERATION = "marketing:link-generation"
TARGET_TTL_SECONDS = 300  # bounds staleness for changes that bypass save() (queryset.update)
LOCAL_CHECK_SECONDS = 1.0  # how stale another process's edit of a link can be here
LOCAL_MAX = 20_000  # entries per process and kind (known / unknown codes); about 3 MB at most
_TARGET_SQL = f"SELECT id, target_url FROM {Link._meta.db_table} WHERE code = %s AND is_active = %s"  # noqa: S608


class _LocalTargets:
    """The redirect's per-process copy of (link id, target URL) by code, in front of the shared cache.

    Even the shared cache costs a file read (embedded) or a Redis round trip per click, a third of the
    redirect's time; a dict lookup costs nothing. It stays correct across processes: `forget_target`
    writes a new generation token into the shared cache, and each process compares it at most every
    LOCAL_CHECK_SECONDS, dropping all it holds when it changed. Unknown codes are kept apart, so a flood
    of random codes cannot push the real links out; each half is emptied when full (bounded memory).
    """

    def __init__(self) -> None:
        self.known: dict[str, tuple[tuple[int, str], float]] = {}
        self.unknown: dict[str, float] = {}
        self.generation: str | None = None
        self.checked_at = -1e18

    def clear(self) -> None:
        self.known, self.unknown, self.checked_at = {}, {}, -1e18

    def _check(self, now: float) -> None:
        if now - self.checked_at < LOCAL_CHECK_SECONDS:
            return
        generation = cache.get(TARGET_GENERATION)
        if generation is None:  # first use, or the shared cache was emptied: start a generation
            generation = secrets.token_hex(8)
            cache.add(TARGET_GENERATION, generation, None)
            generation = cache.get(TARGET_GENERATION, generation)
        if generation != self.generation:
            self.known, self.unknown = {}, {}
            self.generation = generation
        self.checked_at = now

    def get(self, code: str) -> tuple[bool, tuple[int, str] | None]:
        now = time.monotonic()
        self._check(now)
        hit = self.known.get(code)
        if hit is not None and hit[1] > now:
            return True, hit[0]
        expires = self.unknown.get(code)
        if expires is not None and expires > now:
            return True, None
        return False, None

    def put(self, code: str, found: tuple[int, str] | None, ttl: float) -> None:
        store = self.known if found is not None else self.unknown
        if len(store) >= LOCAL_MAX:
            store.clear()
        expires = time.monotonic() + ttl
        if found is not None:
            self.known[code] = (found, expires)
        else:
            self.unknown[code] = expires


_local = _LocalTargets()  # a cache with cross-process invalidation, not shared state (see the class)


def target_of(code: str) -> tuple[int, str] | None:
    """(link id, target URL) of an active link: from this process's copy, else the shared cache, else one
    fixed parameterised statement (cheaper than compiling it through the ORM)."""
    cached, found = _local.get(code)
    if cached:
        return found
    key = TARGET_CACHE.format(code=code)
    shared = cache.get(key)
    if shared is None:
        with connection.cursor() as cursor:
            cursor.execute(_TARGET_SQL, [code, True])
            row = cursor.fetchone()
        shared = list(row) if row else []
        cache.set(key, shared, TARGET_TTL_SECONDS if row else 30)
    found = (int(shared[0]), str(shared[1])) if shared else None
    _local.put(code, found, TARGET_TTL_SECONDS if found else 30)
    return found


def forget_target(code: str) -> None:
    """A link changed: every process stops using its copy within LOCAL_CHECK_SECONDS, this one at once."""
    cache.delete(TARGET_CACHE.format(code=code))
    cache.set(TARGET_GENERATION, secrets.token_hex(8), None)
    _local.known.pop(code, None)
    _local.unknown.pop(code, None)


def forget_local_targets() -> None:
    """Drop this process's copy (tests: each one starts with an empty shared cache)."""
    _local.clear()
    _local.generation = None


def clicks_per_link(links: list[Link]) -> dict[int, int]:
    rows = Click.objects.filter(link__in=links).values("link").annotate(n=Count("id"))
    return {row["link"]: row["n"] for row in rows}
