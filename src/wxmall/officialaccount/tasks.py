"""Celery tasks of the Official Account side: the push spool's drain (the fast path's database write),
the slow half of a push (`process`), kicked per push once stored and swept for kicks that were lost."""

from __future__ import annotations

from celery import shared_task

from . import actions, fast


@shared_task(name=actions.PROCESS_TASK, ignore_result=True, acks_late=True)
def process_inbound(inbound_id: int) -> bool:
    return actions.process(inbound_id)


@shared_task(name="wxmall.officialaccount.process_pending", ignore_result=True)
def process_pending() -> int:
    return actions.process_pending()


@shared_task(name=fast.DRAIN_TASK, ignore_result=True)
def drain_spool() -> int:
    """Spooled pushes (the fast path) into the database, in batches; what this run set aside to settle
    is taken by a follow-up run, instead of a worker sleeping through the settling time."""
    from . import spool

    drained = actions.drain_spool()
    if drained.settling:
        drain_spool.apply_async(countdown=spool.SETTLE_SECONDS, expires=60)
    return drained.pushes


@shared_task(name="wxmall.officialaccount.sync_tags", ignore_result=True)
def sync_tags() -> dict:
    from wxmall.wechat.config import configured_names, get_app

    from . import tags

    if "oa" not in configured_names():
        return {}
    return tags.sync(get_app("oa").appid).__dict__
