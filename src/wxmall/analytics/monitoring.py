"""System stability: the Prometheus `/metrics` endpoint and the alert check.

`/metrics` is computed at scrape time from the operational database (the WeChat API call stats and the
outbox's delivery attempts over the last WINDOW, outbox backlog, open alerts) and the analytics spool
backlog, so every web process answers the same figures with no shared metrics directory. It is off
(404) unless METRICS_TOKEN is set, and then needs `Authorization: Bearer <token>`.

`check_alerts` (a beat task every ALERT_CHECK_INTERVAL_SECONDS) raises an alert for each API or
destination whose success rate over WINDOW is below ALERT_SUCCESS_RATIO with at least ALERT_MIN_CALLS
calls, and resolves it once the rate is back. Raising one notifies staff through the outbox (the
merchant webhook, kind `alert.raised`) in the same transaction, and shows it on the analytics page.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from wxmall.core import queries as outbox_queries
from wxmall.core.outbox import enqueue

from . import queries, store
from .models import Alert

WINDOW = timedelta(minutes=5)
MERCHANT_DESTINATION = "merchant_webhook"


def _rates() -> list[tuple[str, str, dict]]:
    end = timezone.now()
    start = end - WINDOW
    return [("wechat_api", r["name"], r) for r in queries.wechat_api_rates(start, end)] + [
        ("outbox", r["name"], r) for r in queries.outbox_rates(start, end)
    ]


class _Collector:
    def collect(self):
        calls = GaugeMetricFamily("wxmall_calls_5m", "Calls in the last 5 minutes", labels=["kind", "name"])
        failed = GaugeMetricFamily(
            "wxmall_failed_calls_5m", "Failed calls in the last 5 minutes", labels=["kind", "name"]
        )
        ratio = GaugeMetricFamily(
            "wxmall_success_ratio_5m",
            "Share of successful calls in the last 5 minutes",
            labels=["kind", "name"],
        )
        latency = GaugeMetricFamily(
            "wxmall_latency_ms_avg_5m", "Mean latency in ms in the last 5 minutes", labels=["kind", "name"]
        )
        for kind, name, r in _rates():
            calls.add_metric([kind, name], r["calls"])
            failed.add_metric([kind, name], r["failed"])
            if r["success_rate"] is not None:
                ratio.add_metric([kind, name], r["success_rate"])
            if r["avg_ms"] is not None:
                latency.add_metric([kind, name], r["avg_ms"])
        yield from (calls, failed, ratio, latency)
        outbox = GaugeMetricFamily("wxmall_outbox_messages", "Outbox messages by status", labels=["status"])
        for status, n in outbox_queries.status_counts().items():
            outbox.add_metric([status], n)
        yield outbox
        yield GaugeMetricFamily(
            "wxmall_alerts_open",
            "Open stability alerts",
            value=Alert.objects.filter(resolved_at__isnull=True).count(),
        )
        spool = store.root() / "spool"
        backlog = sum(p.stat().st_size for p in spool.iterdir()) if spool.is_dir() else 0
        yield GaugeMetricFamily(
            "wxmall_analytics_spool_bytes", "Events waiting to be flushed to Parquet", value=backlog
        )


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(
            "未启用（设置 METRICS_TOKEN）", status=404, content_type="text/plain; charset=utf-8"
        )
    given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
    if not hmac.compare_digest(given.encode(), token.encode()):
        return HttpResponse("需要正确的 Bearer 令牌", status=401, content_type="text/plain; charset=utf-8")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector())
    return HttpResponse(generate_latest(registry), content_type="text/plain; version=0.0.4; charset=utf-8")


def check_alerts() -> tuple[int, int]:
    """Raise and resolve alerts; returns (raised, resolved)."""
    raised = resolved = 0
    failing = set()
    for kind, name, r in _rates():
        subject = f"{kind}:{name}"[:100]
        if r["calls"] >= settings.ALERT_MIN_CALLS and r["success_rate"] < settings.ALERT_SUCCESS_RATIO:
            failing.add(subject)
            raised += _raise(subject, r)
    for alert in Alert.objects.filter(resolved_at__isnull=True).exclude(subject__in=failing):
        resolved += Alert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
    return raised, resolved


def _raise(subject: str, r: dict) -> int:
    try:
        with transaction.atomic():
            alert = Alert.objects.create(subject=subject, success_rate=r["success_rate"], calls=r["calls"])
            enqueue(
                MERCHANT_DESTINATION,
                "alert.raised",
                {
                    "subject": subject,
                    "success_rate": round(r["success_rate"], 4),
                    "calls": r["calls"],
                    "at": alert.raised_at.isoformat(),
                },
                key=f"alert:{alert.pk}",
            )
    except IntegrityError:
        return 0  # already open: raised once, not every minute
    return 1
