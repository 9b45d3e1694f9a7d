"""Scheduled growth jobs."""

from __future__ import annotations

from celery import shared_task

from .actions import groups


@shared_task(name="wxmall.growth.expire_groups", ignore_result=True)
def expire_groups() -> int:
    """Fail groups past their deadline and refund their paid members (beat: every minute)."""
    return groups.expire_due()
