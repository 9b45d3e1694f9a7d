"""The reports page (ECharts) and its XLSX exports. Staff holding console.view_reports only."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from wxmall.core.http import staff_permission_required

from . import exports, queries
from .queries import BEIJING, Range

ECHARTS = "echarts/echarts.min.js"
DEFAULT_DAYS = 90
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _params(request: HttpRequest) -> tuple[Range, str, str]:
    """The range and period asked for, or the last 90 days by day; an error (Chinese) for a range that
    is backwards or longer than two years."""
    today = timezone.now().astimezone(BEIJING).date()
    until = _day(request.GET.get("until", "")) or today
    since = _day(request.GET.get("since", "")) or until - timedelta(days=DEFAULT_DAYS - 1)
    period = request.GET.get("period", "day")
    period = period if period in queries.PERIODS else "day"
    error = ""
    if since > until:
        error, since = (
            "开始日期不能晚于结束日期，已改为查看结束日期前 90 天",
            until - timedelta(days=DEFAULT_DAYS - 1),
        )
    elif (until - since).days >= queries.MAX_DAYS:
        error, since = (
            "一次最多查看两年，已缩短为结束日期前两年",
            until - timedelta(days=queries.MAX_DAYS - 1),
        )
    return Range(since, until), period, error


@staff_permission_required("console.view_reports", what="查看经营报表")
def report(request: HttpRequest) -> HttpResponse:
    span, period, error = _params(request)
    sales = queries.sales_by_period(span, period)
    refunds = queries.refunds_by_period(span, period)
    tables = {
        "category": queries.by_category(span),
        "top": queries.top_products(span),
        "method": queries.by_payment_method(span),
        "channel": queries.by_channel(span),
    }
    chart = {
        "labels": [r["label"] for r in sales],
        "orders": [r["orders"] for r in sales],
        "gmv": [r["gmv"] / 100 for r in sales],
        "refunds": [r["amount"] / 100 for r in refunds],
        "category": [{"name": r["label"], "value": r["revenue"] / 100} for r in tables["category"]],
        "method": [{"name": r["label"], "value": r["gmv"] / 100} for r in tables["method"]],
        "channel": [{"name": r["label"], "value": r["gmv"] / 100} for r in tables["channel"]],
        "top": [{"name": r["label"], "value": r["revenue"] / 100} for r in reversed(tables["top"])],
    }
    query = f"since={span.since}&until={span.until}&period={period}"
    return render(
        request,
        "reports/report.html",
        {
            "span": span,
            "period": period,
            "periods": [(key, label) for key, (label, _) in queries.PERIODS.items()],
            "error": error,
            "summary": queries.summary(span),
            "sales": sales,
            "refunds": refunds,
            "tables": tables,
            "chart": chart,
            "query": query,
            "echarts_available": finders.find(ECHARTS) is not None,
            "echarts_path": ECHARTS,
        },
    )


@staff_permission_required("console.view_reports", what="导出经营报表")
def export(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in exports.TABLES:
        return HttpResponse("没有这个报表", status=404, content_type="text/plain; charset=utf-8")
    span, period, _ = _params(request)
    response = HttpResponse(exports.workbook(kind, span, period), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="report-{kind}-{span.since}-{span.until}.xlsx"'
    return response
