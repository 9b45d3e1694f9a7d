"""Celery tasks of the core app. `relay_outbox` runs every OUTBOX_RELAY_INTERVAL_SECONDS (beat entry
added in CoreConfig.ready) and is also kicked after each transaction that enqueues."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="wxmall.core.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    """Deliver what is due; returns how many rows this run delivered."""
    from wxmall.core.relay import relay

    return relay().delivered


@shared_task(name="wxmall.core.purge_outbox", ignore_result=True)
def purge_outbox() -> int:
    """Nightly: drop delivered rows older than OUTBOX_RETENTION_DAYS."""
    from wxmall.core.actions import purge_delivered

    return purge_delivered()
