"""Periodic Channels jobs (beat entries in `wxmall.celery.beat_schedule`)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="wxmall.channels.remind", ignore_result=True)
def remind() -> int:
    from .actions import calendar

    return calendar.remind_due()


@shared_task(name="wxmall.channels.sync_live_figures", ignore_result=True)
def sync_live_figures() -> int:
    """Only while a session is scheduled or live (the call is cheap, but not needed otherwise)."""
    from wxmall.wechat.config import NotConfigured
    from wxmall.wechat.errors import WeChatError

    from .actions import live
    from .models import LiveSession, LiveStatus

    if not LiveSession.objects.exclude(status=LiveStatus.ENDED).exclude(export_id=None).exists():
        return 0
    try:
        return live.sync_figures()
    except (WeChatError, NotConfigured) as exc:
        logger.warning("live figures not pulled: %s", exc)
        return 0


@shared_task(name="wxmall.channels.settle_due", ignore_result=True)
def settle_due() -> int:
    from . import settlement

    ids = settlement.due()
    for pk in ids:
        settlement.start(pk)
    return len(ids)


@shared_task(name="wxmall.channels.poll_settling", ignore_result=True)
def poll_settling() -> int:
    from django.core.exceptions import ImproperlyConfigured

    from . import settlement
    from .models import Commission, CommissionStatus, Reversal

    in_flight = Commission.objects.filter(status=CommissionStatus.SPLITTING).exists()
    if not in_flight and not Reversal.objects.filter(status=Reversal.Status.RETURNING).exists():
        return 0
    try:
        return settlement.poll()
    except ImproperlyConfigured as exc:
        logger.warning("settlements not polled: %s", exc)
        return 0


@shared_task(name="wxmall.channels.sync_sharers", ignore_result=True)
def sync_sharers() -> int:
    from wxmall.wechat.config import NotConfigured
    from wxmall.wechat.errors import WeChatError

    from .actions import sharers

    try:
        return sharers.sync()
    except (WeChatError, NotConfigured) as exc:
        logger.warning("sharers not synced: %s", exc)
        return 0
