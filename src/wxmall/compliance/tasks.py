"""Celery tasks of the review queue: the external content-security tier runs outside the request."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="compliance.check_externally", acks_late=True)
def check_externally(item_id: int) -> str:
    from wxmall.compliance.external import record

    return record(item_id)
