"""Celery tasks of the review queue: the external content-security tier runs outside the request."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from wxmall.compliance.external import record
from wxmall.compliance.models import ReviewItem, ReviewStatus

STALE_AFTER = timedelta(minutes=5)


@shared_task(name="compliance.check_externally", acks_late=True)
def check_externally(item_id: int) -> str:
    return record(item_id)


@shared_task(name="compliance.recheck_stale", ignore_result=True)
def recheck_stale(limit: int = 200) -> int:
    """Every 5 minutes (beat): items still waiting on the external check after STALE_AFTER are asked
    again (record() lands a result only once, so a late first answer changes nothing)."""
    ids = list(
        ReviewItem.objects.filter(status=ReviewStatus.CHECKING, updated_at__lt=timezone.now() - STALE_AFTER)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        check_externally.delay(pk)
    return len(ids)
