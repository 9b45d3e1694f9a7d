"""The console's WeChat API page: calls, success rate and latency per app and API (staff only)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from wxmall.wechat import queries

WINDOWS = (1, 24, 168)
APP_LABELS = {"oa": "公众号", "mp": "小程序", "store": "微信小店"}


@staff_member_required
def api_stats(request: HttpRequest) -> HttpResponse:
    try:
        hours = int(request.GET.get("hours", "24"))
    except ValueError:
        hours = 24
    hours = hours if hours in WINDOWS else 24
    since = timezone.now() - timedelta(hours=hours)
    labels = {
        raw.get("appid"): APP_LABELS.get(name, name) for name, raw in settings.WECHAT_APPS.items() if raw
    }
    stats = [s | {"app_label": labels.get(s["appid"], "其他")} for s in queries.api_stats(since)]
    overall = queries.success_rate(since)
    return render(
        request,
        "console/wechat_api.html",
        {
            "stats": stats,
            "hours": hours,
            "windows": WINDOWS,
            "overall": overall,
            "overall_pct": None if overall is None else f"{overall * 100:.1f}",
            "flush_seconds": int(settings.WECHAT_METRICS_FLUSH_SECONDS),
        },
    )
