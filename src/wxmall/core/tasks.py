"""Celery tasks of the core app. `relay_outbox` runs every OUTBOX_RELAY_INTERVAL_SECONDS (beat entry
added in CoreConfig.ready) and is also kicked after each transaction that enqueues."""

from __future__ import annotations

import time

from celery import shared_task
from django.conf import settings

from wxmall.core.actions import purge_delivered
from wxmall.core.outbox import RELAY_TASK, fan_out, kick_relay
from wxmall.core.relay import relay


@shared_task(name=RELAY_TASK, ignore_result=True)
def relay_outbox(shard: int | None = None, shards: int = 1) -> int:
    """Deliver what is due; returns how many rows this run delivered. A full batch means a backlog (a
    burst of payments): the run goes on with the next batch instead of leaving it to the periodic run,
    for up to one relay interval, then hands over to a fresh kick so one task never runs unbounded. With
    OUTBOX_RELAY_PARALLEL > 1 a backlog is split: this run keeps partition 0 and asks for runs of the
    others (`fan_out`), so several worker processes relay at once without racing for rows."""
    deadline = time.monotonic() + settings.OUTBOX_RELAY_INTERVAL_SECONDS
    part = (shard, shards) if shard is not None and shards > 1 else None
    delivered = 0
    while True:
        result = relay(shard=part)
        delivered += result.delivered
        if result.seen < settings.OUTBOX_RELAY_BATCH:
            if part is None or shard is not None:
                return delivered
            part = None  # partition 0 is done: one more pass over everything, for what is left
            continue
        if part is None and shard is None and fan_out():
            part = (0, settings.OUTBOX_RELAY_PARALLEL)
        if time.monotonic() >= deadline:
            kick_relay()
            return delivered


@shared_task(name="wxmall.core.purge_outbox", ignore_result=True)
def purge_outbox() -> int:
    """Nightly: drop delivered rows older than OUTBOX_RETENTION_DAYS."""
    return purge_delivered()
