from __future__ import annotations

from celery import shared_task


@shared_task(name="wxmall.marketing.flush_clicks", ignore_result=True)
def flush_clicks() -> int:
    from . import actions

    return actions.flush_clicks()
