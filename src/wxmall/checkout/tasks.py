"""Celery tasks of queued flash-sale admission (beat entries in `wxmall.celery.beat_schedule`). They do
nothing without a flash-sale Redis (the synchronous path needs no worker)."""

from __future__ import annotations

from celery import shared_task

from . import admission


@shared_task(name="wxmall.checkout.drain_flash_tickets", ignore_result=True)
def drain_flash_tickets() -> int:
    """Take over what dead workers left, then turn queued tickets into orders (queue `flash`). Kicked
    by admission and run by the beat as a safety net."""
    if not admission.queued_mode():
        return 0
    from . import tickets

    return tickets.reclaim() + tickets.drain()


@shared_task(name="wxmall.checkout.reconcile_flash_sales", ignore_result=True)
def reconcile_flash_sales() -> int:
    """Repair drift between Redis's flash-sale counters and the database. Returns the sales checked."""
    if not admission.queued_mode():
        return 0
    from . import tickets

    return len(tickets.reconcile())
