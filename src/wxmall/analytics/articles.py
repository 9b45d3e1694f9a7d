"""Official Account articles' reads (图文分析), pulled from WeChat's datacube day by day into `ArticleDay`.

WeChat answers one day per call and only up to yesterday, and a day's figures keep growing for a while
after it (late readers of the day are counted in), so each run pulls the last `LOOKBACK_DAYS` days again
and overwrites them: running twice, or two workers at once, leaves one row per article and day."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from wxmall.wechat import client

from .models import ArticleDay

log = logging.getLogger(__name__)
LOOKBACK_DAYS = 3
MAX_COUNT = 2**31 - 1
FIELDS = {
    "read_users": "int_page_read_user",
    "reads": "int_page_read_count",
    "share_users": "share_user",
    "shares": "share_count",
}


def _row(day: date, item: object) -> ArticleDay | None:
    """The article row of one datacube entry, or None (logged) for an entry that is not well formed."""
    if not isinstance(item, dict):
        return None
    msgid, title = item.get("msgid"), item.get("title")
    counts = {name: item.get(source, 0) for name, source in FIELDS.items()}
    if (
        not isinstance(msgid, str)
        or not 0 < len(msgid) <= 64
        or not isinstance(title, str)
        or item.get("ref_date") != day.isoformat()
        or any(
            isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_COUNT for v in counts.values()
        )
    ):
        log.warning("datacube: skipped a malformed article entry for %s: %r", day, item)
        return None
    return ArticleDay(msgid=msgid, title=title.strip()[:120], day=day, **counts)


def pull_day(day: date) -> int:
    """The articles read on `day`, stored (overwriting that day's earlier pull); returns how many."""
    rows = [r for r in (_row(day, item) for item in client("oa").datacube.article_summary(day)) if r]
    by_msgid = {r.msgid: r for r in rows}  # a repeated entry counts once (the last one wins)
    with transaction.atomic():
        ArticleDay.objects.bulk_create(
            by_msgid.values(),
            update_conflicts=True,
            unique_fields=["msgid", "day"],
            update_fields=["title", *FIELDS, "updated_at"],
        )
    return len(by_msgid)


def pull_recent(days: int = LOOKBACK_DAYS) -> dict[str, int]:
    """Yesterday and the days before it (Beijing dates): {day: articles stored}."""
    yesterday = timezone.localdate() - timedelta(days=1)
    return {day.isoformat(): pull_day(day) for day in (yesterday - timedelta(days=n) for n in range(days))}
