"""Celery tasks of customer service: pulling 微信客服 messages after WeCom's callback."""

from __future__ import annotations

from celery import shared_task

from . import wecom_actions


@shared_task(name=wecom_actions.PULL_TASK, ignore_result=True, acks_late=True)
def pull_wecom(event_token: str = "") -> int:
    return wecom_actions.pull(event_token)
