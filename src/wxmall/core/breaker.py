"""Per-destination circuit breaker, stored in `CircuitBreaker` rows and changed only by guarded UPDATEs,
so every relay process on every host sees one state.

closed ──N consecutive failures──► open ──cool-down over──► half_open (one trial) ──ok──► closed
                                    ▲                               │
                                    └────────────failed─────────────┘

While open, the relay does not attempt the destination's rows, and they keep their attempt count.
Permanent errors (the receiver refused this message) say nothing about the destination's health and
do not count.

Deliberately, a destination that stays down produces dead letters slowly: each cool-down
(OUTBOX_BREAKER_COOLDOWN_SECONDS) lets one trial through, which spends one attempt of one row, while
the rows behind the breaker wait with their budget intact. A receiver down for an hour thus costs the
queue a few dozen attempts instead of every row's whole budget, and once it is back every waiting row
is delivered rather than being found dead. The console shows, per destination, how many rows wait
behind an open breaker and when the next trial is (`queries.destination_health`); staff who know the
receiver is gone for good discard those rows there.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from wxmall.core.models import BreakerState, CircuitBreaker


def _rows(destination: str):
    return CircuitBreaker.objects.filter(destination=destination)


def _ensure(destination: str) -> None:
    if not _rows(destination).exists():
        CircuitBreaker.objects.bulk_create([CircuitBreaker(destination=destination)], ignore_conflicts=True)


def blocked_destinations(now: datetime) -> list[str]:
    """Destinations not to try now: cooling down, or with a half-open trial still in flight."""
    return list(
        CircuitBreaker.objects.filter(
            state__in=[BreakerState.OPEN, BreakerState.HALF_OPEN], opened_until__gt=now
        ).values_list("destination", flat=True)
    )


def allow(destination: str, now: datetime) -> bool:
    """May this relay deliver to `destination` now? Closed (or no row yet): yes. Open or half-open past
    its deadline: only the one relay whose UPDATE flips it to half-open gets the trial; the rest wait."""
    state = _rows(destination).values_list("state", flat=True).first()
    if state is None:
        _ensure(destination)  # first delivery to it: a closed breaker
        return True
    if state == BreakerState.CLOSED:
        # A breaker opening right after this read lets at most this one delivery through: harmless.
        return True
    cooldown = timedelta(seconds=settings.OUTBOX_BREAKER_COOLDOWN_SECONDS)
    return (
        _rows(destination)
        .filter(state__in=[BreakerState.OPEN, BreakerState.HALF_OPEN], opened_until__lte=now)
        .update(state=BreakerState.HALF_OPEN, opened_until=now + cooldown)
        == 1
    )


def record_success(destination: str) -> None:
    # A closed breaker with no failures is left alone: every delivery would otherwise rewrite one hot row
    # (relays in parallel would queue on its lock).
    _rows(destination).exclude(state=BreakerState.CLOSED, consecutive_failures=0).update(
        state=BreakerState.CLOSED, consecutive_failures=0, opened_until=None
    )


def record_failure(destination: str, now: datetime) -> None:
    _ensure(destination)
    cooldown = timedelta(seconds=settings.OUTBOX_BREAKER_COOLDOWN_SECONDS)
    with transaction.atomic():
        _rows(destination).update(consecutive_failures=F("consecutive_failures") + 1)
        _rows(destination).filter(
            Q(state=BreakerState.HALF_OPEN)
            | Q(state=BreakerState.CLOSED, consecutive_failures__gte=settings.OUTBOX_BREAKER_FAILURES)
        ).update(state=BreakerState.OPEN, opened_until=now + cooldown)
