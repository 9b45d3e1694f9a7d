"""Read side of marketing (the analytics issue builds on Click and VisitorTouch)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.db.models import Count

from .models import Click, Link

TARGET_CACHE = "marketing:link:{code}"
TARGET_TTL_SECONDS = 300  # bounds staleness for changes that bypass save() (queryset.update)
_TARGET_SQL = f"SELECT id, target_url FROM {Link._meta.db_table} WHERE code = %s AND is_active = %s"  # noqa: S608


def target_of(code: str) -> tuple[int, str] | None:
    """(link id, target URL) of an active link, from the cache when it can: the redirect then opens no
    database connection at all (measured: opening one per request was most of its cost on SQLite).
    The miss path is a fixed parameterised statement, cheaper than compiling it through the ORM."""
    key = TARGET_CACHE.format(code=code)
    found = cache.get(key)
    if found is not None:
        return tuple(found) if found else None
    with connection.cursor() as cursor:
        cursor.execute(_TARGET_SQL, [code, True])
        row = cursor.fetchone()
    cache.set(key, list(row) if row else [], TARGET_TTL_SECONDS if row else 30)
    return tuple(row) if row else None


def forget_target(code: str) -> None:
    cache.delete(TARGET_CACHE.format(code=code))


def clicks_per_link(links: list[Link]) -> dict[int, int]:
    rows = Click.objects.filter(link__in=links).values("link").annotate(n=Count("id"))
    return {row["link"]: row["n"] for row in rows}
