"""Scheduled growth jobs."""

from __future__ import annotations

from celery import shared_task

from .actions import groups, tags


@shared_task(name="wxmall.growth.expire_groups", ignore_result=True)
def expire_groups() -> int:
    """Fail groups past their deadline and refund their paid members (beat: every minute)."""
    return groups.expire_due()


@shared_task(name="wxmall.growth.rebuild_behaviour_tags", ignore_result=True)
def rebuild_behaviour_tags() -> int:
    """Behaviour tags from orders (beat: nightly)."""
    return tags.rebuild_behaviour_tags()
