"""Read side of the WeChat API stats (`ApiCallStat`): per API over a window, and an overall success
rate for analytics (the seeds' API success-rate metric). Latency percentiles come from the summed
histograms: the upper bound of the bucket the percentile falls in, so "p95 200 ms" reads "95% of calls
took at most 200 ms"; above the last bound it is None with `p95_over` set."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max, Sum
from django.utils import timezone

from wxmall.wechat.errors import describe
from wxmall.wechat.models import BUCKET_FIELDS, LATENCY_BUCKETS_MS, ApiCallStat

_SUMS = {name: Sum(name) for name in ("calls", "ok", "latency_ms_sum", *BUCKET_FIELDS)}


def percentile_ms(buckets: list[int], q: float) -> int | None:
    """Upper bound (ms) of the bucket holding the q-quantile; None when empty or past the last bound."""
    total = sum(buckets)
    if not total:
        return None
    rank, seen = q * total, 0
    for i, count in enumerate(buckets):
        seen += count
        if seen >= rank:
            return LATENCY_BUCKETS_MS[i] if i < len(LATENCY_BUCKETS_MS) else None
    return None


def _window(since: datetime | None, until: datetime | None):
    rows = ApiCallStat.objects.all()
    if since is not None:
        rows = rows.filter(minute__gte=since)
    if until is not None:
        rows = rows.filter(minute__lt=until)
    return rows


def api_stats(
    since: datetime | None = None, until: datetime | None = None, *, appid: str | None = None
) -> list[dict]:
    """One dict per (appid, api) in the window (default: the last 24 hours), busiest first."""
    since = since if since is not None else timezone.now() - timedelta(hours=24)
    rows = _window(since, until)
    if appid:
        rows = rows.filter(appid=appid)
    out = []
    for row in rows.values("appid", "api").annotate(**_SUMS, last=Max("last_errcode")).order_by("-calls"):
        buckets = [row[name] or 0 for name in BUCKET_FIELDS]
        calls, ok = row["calls"] or 0, row["ok"] or 0
        out.append(
            {
                "appid": row["appid"],
                "api": row["api"],
                "family": row["api"].split(".", 1)[0],
                "calls": calls,
                "ok": ok,
                "failed": calls - ok,
                "success_rate": ok / calls if calls else None,
                "avg_ms": round(row["latency_ms_sum"] / calls) if calls else None,
                "p50_ms": percentile_ms(buckets, 0.50),
                "p95_ms": percentile_ms(buckets, 0.95),
                "p95_over": percentile_ms(buckets, 0.95) is None and calls > 0,
                "last_errcode": row["last"] or 0,
                "last_error": describe(row["last"]) if row["last"] else "",
            }
        )
    return out


def success_rate(since: datetime, until: datetime | None = None, *, appid: str | None = None) -> float | None:
    """Share of WeChat API calls that succeeded in the window (None without calls)."""
    rows = _window(since, until)
    if appid:
        rows = rows.filter(appid=appid)
    totals = rows.aggregate(calls=Sum("calls"), ok=Sum("ok"))
    return totals["ok"] / totals["calls"] if totals["calls"] else None
