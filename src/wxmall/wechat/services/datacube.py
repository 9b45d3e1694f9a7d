"""Official Account statistics (数据统计, /datacube/*): the articles' daily read and share figures.

WeChat answers only up to yesterday and at most one day per call for the article APIs (61501 otherwise),
so a caller asks day by day."""

from __future__ import annotations

from datetime import date
from typing import Any

from wxmall.wechat.services.base import Service


class DatacubeService(Service):
    def article_summary(self, day: date) -> list[dict[str, Any]]:
        """getarticlesummary for one day: `[{"ref_date", "msgid", "title", "int_page_read_user",
        "int_page_read_count", "share_user", "share_count", ...}]`, one row per article read that day."""
        span = {"begin_date": day.isoformat(), "end_date": day.isoformat()}
        answer = self._client.post("/datacube/getarticlesummary", api="datacube.getarticlesummary", json=span)
        found = answer.get("list")
        return found if isinstance(found, list) else []
