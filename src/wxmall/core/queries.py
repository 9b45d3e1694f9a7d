"""Read side of the outbox for the console: lists with filters, counts, per-destination health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone

from wxmall.core.models import BreakerState, CircuitBreaker, DeliveryAttempt, OutboxMessage, OutboxStatus
from wxmall.core.outbox import is_enabled

OPEN_STATUSES = (OutboxStatus.PENDING, OutboxStatus.DEAD)  # what needs attention
STATS_WINDOW = timedelta(hours=24)


def messages(*, status: str | None = None, destination: str | None = None) -> QuerySet[OutboxMessage]:
    """Pending and dead rows by default (newest first); `status` narrows to any one status."""
    rows = OutboxMessage.objects.all()
    rows = rows.filter(status=status) if status else rows.filter(status__in=OPEN_STATUSES)
    if destination:
        rows = rows.filter(destination=destination)
    return rows.order_by("-id")


def status_counts() -> dict[str, int]:
    counts = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {status.value: counts.get(status.value, 0) for status in OutboxStatus}


def known_destinations() -> list[str]:
    """Configured destinations plus any that still have rows (a destination removed from settings)."""
    names = set(settings.OUTBOX_DESTINATIONS)
    names.update(OutboxMessage.objects.values_list("destination", flat=True).distinct())
    return sorted(names)


def latency_percentile(destination: str, since: datetime, q: float) -> int | None:
    """Nearest-rank percentile of attempt latency, computed in the database (one row fetched)."""
    attempts = DeliveryAttempt.objects.filter(destination=destination, at__gte=since)
    n = attempts.count()
    if not n:
        return None
    rank = max(1, -(-round(q * 100) * n // 100))  # ceil(q * n) in integers
    return attempts.order_by("latency_ms").values_list("latency_ms", flat=True)[rank - 1]


@dataclass
class DestinationHealth:
    destination: str
    enabled: bool
    attempts: int
    succeeded: int
    success_rate: float | None  # 0..1 over the window; None when nothing was tried
    p50_ms: int | None
    p95_ms: int | None
    delivered: int
    pending: int
    dead: int
    breaker_state: str
    breaker_state_label: str
    consecutive_failures: int
    opened_until: datetime | None
    # Pending rows the breaker holds back (0 while closed), and when it lets the next trial through:
    # the cool-down's end while open; None while closed or while a half-open trial is in flight.
    waiting_behind_breaker: int = 0
    next_trial_at: datetime | None = None
    # Rows a relay holds right now, and when the latest of those leases runs out (a relay killed
    # mid-delivery is taken over then).
    in_flight: int = 0
    lease_until: datetime | None = None


def destination_health(*, now: datetime | None = None) -> list[DestinationHealth]:
    now = now or timezone.now()
    since = now - STATS_WINDOW
    breakers = {b.destination: b for b in CircuitBreaker.objects.all()}
    rows = []
    for name in known_destinations():
        tried = DeliveryAttempt.objects.filter(destination=name, at__gte=since).aggregate(
            total=Count("id"), ok=Count("id", filter=Q(ok=True))
        )
        by_status = dict(
            OutboxMessage.objects.filter(destination=name)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        delivered = OutboxMessage.objects.filter(
            destination=name, status=OutboxStatus.DELIVERED, delivered_at__gte=since
        ).count()
        breaker = breakers.get(name) or CircuitBreaker(destination=name)
        enabled = name in settings.OUTBOX_DESTINATIONS and is_enabled(name)
        pending = by_status.get(OutboxStatus.PENDING, 0)
        held = OutboxMessage.objects.filter(
            destination=name, status=OutboxStatus.PENDING, leased_until__gt=now
        ).aggregate(n=Count("id"), until=Max("leased_until"))
        tripped = breaker.state != BreakerState.CLOSED
        rows.append(
            DestinationHealth(
                destination=name,
                enabled=enabled,
                attempts=tried["total"],
                succeeded=tried["ok"],
                success_rate=tried["ok"] / tried["total"] if tried["total"] else None,
                p50_ms=latency_percentile(name, since, 0.50),
                p95_ms=latency_percentile(name, since, 0.95),
                delivered=delivered,
                pending=pending,
                dead=by_status.get(OutboxStatus.DEAD, 0),
                breaker_state=breaker.state,
                breaker_state_label=breaker.get_state_display(),
                consecutive_failures=breaker.consecutive_failures,
                opened_until=breaker.opened_until,
                waiting_behind_breaker=pending - held["n"] if tripped else 0,
                # A cool-down already over means: at the next relay run.
                next_trial_at=max(breaker.opened_until or now, now)
                if breaker.state == BreakerState.OPEN
                else None,
                in_flight=held["n"],
                lease_until=held["until"],
            )
        )
    return rows


def attempts_per_hour_today(*, now: datetime | None = None) -> list[dict]:
    """24 buckets (local time) of delivery attempts today: ok and failed counts, for the console chart."""
    tz = ZoneInfo(settings.TIME_ZONE)
    local_now = (now or timezone.now()).astimezone(tz)
    start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    buckets = {h: {"hour": h, "ok": 0, "failed": 0} for h in range(24)}
    rows = (
        DeliveryAttempt.objects.filter(at__gte=start, at__lt=start + timedelta(days=1))
        .annotate(hour=TruncHour("at", tzinfo=tz))
        .values("hour")
        .annotate(n_ok=Count("id", filter=Q(ok=True)), n_failed=Count("id", filter=Q(ok=False)))
        .order_by()
    )
    for row in rows:
        bucket = buckets[row["hour"].astimezone(tz).hour]
        bucket["ok"] += row["n_ok"]
        bucket["failed"] += row["n_failed"]
    return list(buckets.values())
