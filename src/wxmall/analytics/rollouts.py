"""Grey release: is a feature on for this visitor or customer? The same deterministic bucket as the A/B
tests (`experiments.bucket`), over 100 buckets: a subject in bucket b sees the feature once the rollout
reaches b + 1 percent, so widening never turns it off for anyone, and rolling back turns it off for all."""

from __future__ import annotations

import re

from django.core.cache import cache

from wxmall.core.errors import DomainError
from wxmall.orders.models import Order

from .errors import AnalyticsError
from .experiments import bucket
from .models import Rollout, RolloutSegment

CACHE_SECONDS = 30  # how long a widened or rolled back percentage may take to reach every process
_KEY = "analytics:rollout:{key}"


MAX_ALLOWED = 200
RECOMMENDATIONS = "recommendations"  # the storefront's "bought together" block (analytics templatetags)


def parse_allowlist(text: str) -> list[int]:
    """Customer ids, separated by commas, spaces or new lines; anything else is refused whole."""
    parts = [p for p in re.split(r"[\s,，]+", text.strip()) if p]
    if len(text) > 2000 or len(parts) > MAX_ALLOWED or not all(p.isdigit() and len(p) < 19 for p in parts):
        raise DomainError(AnalyticsError.BAD_ROLLOUT_ALLOWLIST)
    return sorted({int(p) for p in parts})


def _settings_of(key: str) -> tuple[str, int, list[int]] | None:
    cached = cache.get(_KEY.format(key=key))
    if cached is not None:
        return tuple(cached) if cached else None
    row = Rollout.objects.filter(key=key).values_list("segment", "percent", "allowlist").first()
    found = (row[0], row[1], parse_allowlist(row[2])) if row else None
    cache.set(_KEY.format(key=key), list(found) if found else [], CACHE_SECONDS)
    return found


def _in_segment(segment: str, user) -> bool:
    if segment == RolloutSegment.EVERYONE:
        return True
    if user is None or not user.is_authenticated:
        return False
    if segment == RolloutSegment.STAFF:
        return user.is_staff
    if segment == RolloutSegment.NEW_CUSTOMERS:
        return not Order.objects.filter(user=user, paid_at__isnull=False).exists()
    return True  # CUSTOMERS


def is_on(key: str, *, visitor: str = "", user=None, default: bool = False) -> bool:
    """Whether feature `key` is on for this subject: a customer on its allowlist always, else by segment
    and percentage. A feature with no rollout is `default` (off, unless it shipped before its rollout)."""
    found = _settings_of(key)
    if found is None:
        return default
    segment, percent, allowed = found
    if user is not None and user.is_authenticated and user.pk in allowed:
        return True
    if percent <= 0 or not _in_segment(segment, user):
        return False
    subject = f"user:{user.pk}" if user is not None and user.is_authenticated else f"visitor:{visitor}"
    if subject == "visitor:":
        return percent >= 100
    return bucket(key, subject, 100) < percent


def set_percent(rollout_id: int, percent: int) -> None:
    """Widen or roll back; takes effect everywhere within CACHE_SECONDS."""
    if not 0 <= percent <= 100:
        raise DomainError(AnalyticsError.BAD_ROLLOUT_PERCENT)
    rollout = Rollout.objects.filter(pk=rollout_id).first()
    if rollout is None:
        raise DomainError(AnalyticsError.ROLLOUT_NOT_FOUND)
    Rollout.objects.filter(pk=rollout_id).update(percent=percent)
    cache.delete(_KEY.format(key=rollout.key))


def set_allowlist(rollout_id: int, text: str) -> list[int]:
    """Replace the allowlist; takes effect everywhere within CACHE_SECONDS."""
    allowed = parse_allowlist(text)
    rollout = Rollout.objects.filter(pk=rollout_id).first()
    if rollout is None:
        raise DomainError(AnalyticsError.ROLLOUT_NOT_FOUND)
    Rollout.objects.filter(pk=rollout_id).update(allowlist=", ".join(str(i) for i in allowed))
    cache.delete(_KEY.format(key=rollout.key))
    return allowed
