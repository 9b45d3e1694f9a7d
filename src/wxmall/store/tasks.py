"""Periodic and queued Store jobs (beat entries in `wxmall.celery.beat_schedule`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)
BATCH = 200


@shared_task(name="wxmall.store.process_event", ignore_result=True)
def process_event(event_id: int) -> str:
    from . import pushes

    return pushes.process(event_id)


@shared_task(name="wxmall.store.retry_events", ignore_result=True)
def retry_events() -> int:
    """Pushes stored but not processed (a failed re-read, a worker restarted mid-way)."""
    from . import pushes
    from .models import StoreEvent

    cutoff = timezone.now() - timedelta(seconds=settings.STORE_EVENT_RETRY_SECONDS)
    ids = list(
        StoreEvent.objects.filter(
            processed_at__isnull=True, received_at__lte=cutoff, attempts__lt=pushes.MAX_ATTEMPTS
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for event_id in ids:
        pushes.process(event_id)
    return len(ids)


def _store_ready() -> bool:
    from .shop import current_shop

    return current_shop() is not None


@shared_task(name="wxmall.store.poll_audits", ignore_result=True)
def poll_audits() -> int:
    from wxmall.wechat.errors import WeChatError

    from .actions import products

    if not _store_ready():
        return 0
    try:
        return products.poll_audits()
    except WeChatError as exc:
        logger.warning("audit polling stopped: %s", exc)
        return 0


@shared_task(name="wxmall.store.poll_orders", ignore_result=True)
def poll_orders() -> int:
    """Compensation for lost pushes: every order the Store updated in the last window is re-read."""
    from wxmall.core.errors import DomainError
    from wxmall.wechat import client
    from wxmall.wechat.errors import WeChatError

    from .actions import orders

    if not _store_ready():
        return 0
    end = int(timezone.now().timestamp())
    start = end - settings.STORE_ORDER_POLL_WINDOW_SECONDS
    seen, next_key = 0, ""
    try:
        while True:
            page = client("store").store.order_list(update_range=(start, end), next_key=next_key)
            for order_id in page.ids:
                try:
                    orders.sync_order(order_id)
                except (WeChatError, DomainError) as exc:  # one bad order must not stop the others
                    logger.warning("store order %s not synced: %s", order_id, exc)
                seen += 1
            if not page.has_more or not page.next_key:
                return seen
            next_key = page.next_key
    except WeChatError as exc:
        logger.warning("order polling stopped after %s orders: %s", seen, exc)
        return seen


@shared_task(name="wxmall.store.reconcile_stock", ignore_result=True)
def reconcile_stock() -> int:
    from .stock_sync import reconcile

    if not _store_ready():
        return 0
    return reconcile().drifted


@shared_task(name="wxmall.store.pull_content_metrics", ignore_result=True)
def pull_content_metrics() -> int:
    """Compass content/product metrics (the seeds: every 2 h, published 2 h after the day)."""
    from . import compass

    return len(compass.pull_content_metrics()) if _store_ready() else 0


@shared_task(name="wxmall.store.pull_user_behaviour", ignore_result=True)
def pull_user_behaviour() -> int:
    """Compass buyer profile (the seeds: user behaviour twice a day)."""
    from . import compass

    return len(compass.pull_user_behaviour()) if _store_ready() else 0
