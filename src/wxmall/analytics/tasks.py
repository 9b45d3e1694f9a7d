from __future__ import annotations

from celery import shared_task


@shared_task(name="wxmall.analytics.flush_events", ignore_result=True)
def flush_events() -> int:
    from . import store

    return store.flush()


@shared_task(name="wxmall.analytics.compact_events", ignore_result=True)
def compact_events() -> int:
    from . import store

    return store.compact()


@shared_task(name="wxmall.analytics.check_alerts", ignore_result=True)
def check_alerts() -> tuple[int, int]:
    from . import monitoring

    return monitoring.check_alerts()


@shared_task(name="wxmall.analytics.refresh_recommendations", ignore_result=True)
def refresh_recommendations() -> int:
    from . import recommendations

    return recommendations.refresh()


@shared_task(name="wxmall.analytics.pull_article_stats", ignore_result=True)
def pull_article_stats() -> dict:
    from wxmall.wechat.config import configured_names

    from . import articles

    if "oa" not in configured_names():
        return {}
    return articles.pull_recent()
