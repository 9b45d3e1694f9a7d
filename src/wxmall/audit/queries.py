"""Read side of the audit log: the filtered list the console shows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEntry


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def entries(
    *,
    actor: str = "",
    action: str = "",
    target_type: str = "",
    target_id: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """Newest first. `actor` matches the recorded label exactly (it survives renames and deletions);
    `until` is inclusive."""
    rows = AuditEntry.objects.all()
    if actor:
        rows = rows.filter(actor_label=actor)
    if action:
        rows = rows.filter(action=action)
    if target_type:
        rows = rows.filter(target_type=target_type)
    if target_id:
        rows = rows.filter(target_id=target_id)
    if since:
        rows = rows.filter(created_at__gte=_start_of(since))
    if until:
        rows = rows.filter(created_at__lt=_start_of(until + timedelta(days=1)))
    return rows


def choices() -> dict[str, list[str]]:
    """The distinct actors, actions and target types seen so far, for the filter drop-downs."""
    rows = AuditEntry.objects.order_by()
    return {
        "actors": list(rows.values_list("actor_label", flat=True).distinct().order_by("actor_label")[:200]),
        "actions": list(rows.values_list("action", flat=True).distinct().order_by("action")[:200]),
        "target_types": list(
            rows.exclude(target_type="")
            .values_list("target_type", flat=True)
            .distinct()
            .order_by("target_type")
        ),
    }
