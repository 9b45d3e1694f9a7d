"""Celery tasks of the core app. `relay_outbox` runs every OUTBOX_RELAY_INTERVAL_SECONDS (beat entry
added in CoreConfig.ready) and is also kicked after each transaction that enqueues."""

from __future__ import annotations

from celery import shared_task

from wxmall.core.actions import purge_delivered
from wxmall.core.outbox import RELAY_TASK
from wxmall.core.relay import relay


@shared_task(name=RELAY_TASK, ignore_result=True)
def relay_outbox() -> int:
    """Deliver what is due; returns how many rows this run delivered."""
    return relay().delivered


@shared_task(name="wxmall.core.purge_outbox", ignore_result=True)
def purge_outbox() -> int:
    """Nightly: drop delivered rows older than OUTBOX_RETENTION_DAYS."""
    return purge_delivered()
