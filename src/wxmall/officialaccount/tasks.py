"""Celery tasks of the Official Account side: the slow half of a push (`process`), kicked per push after
its transaction commits and swept periodically for kicks that were lost."""

from __future__ import annotations

from celery import shared_task

from . import actions


@shared_task(name=actions.PROCESS_TASK, ignore_result=True, acks_late=True)
def process_inbound(inbound_id: int) -> bool:
    return actions.process(inbound_id)


@shared_task(name="wxmall.officialaccount.process_pending", ignore_result=True)
def process_pending() -> int:
    return actions.process_pending()


@shared_task(name="wxmall.officialaccount.sync_tags", ignore_result=True)
def sync_tags() -> dict:
    from wxmall.wechat.config import configured_names, get_app

    from . import tags

    if "oa" not in configured_names():
        return {}
    return tags.sync(get_app("oa").appid).__dict__
