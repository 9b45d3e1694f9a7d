"""Console pages for the daily WeChat Pay reconciliation: per-day totals and the differences staff
resolve (fixed or explained, with a note). Staff only; state changes go through payments.reconcile."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from wxmall.core.money import yuan
from wxmall.payments import reconcile, wechatpay
from wxmall.payments.models import (
    DifferenceStatus,
    ReconciliationDifference,
    ReconciliationRun,
)

PAGE_SIZE = 50
METHOD_LABELS = {
    "NATIVE": "扫码支付",
    "JSAPI": "微信内支付",
    "MINIPROGRAM": "小程序支付",
    "MWEB": "H5 支付",
    "APP": "App 支付",
    "ALL": "合计",
}
ACCOUNT_LABELS = {"BASIC": "基本账户", "OPERATION": "运营账户", "FEES": "手续费账户", "ALL": "合计"}


def _rows(totals: dict, labels: dict) -> list[dict]:
    return [
        {"label": labels.get(key, key), **{k: yuan(v) if k != "count" else v for k, v in t.items()}}
        for key, t in sorted(totals.items(), key=lambda kv: kv[0] == "ALL")
    ]


def _days(runs: list[ReconciliationRun]) -> list[dict]:
    """Net income per day: the trade bill's (paid - refunded - fee) and what the accounts really netted."""
    return [
        {
            "day": r.bill_date,
            "paid": yuan(r.totals.get("ALL", {}).get("paid", 0)),
            "refunded": yuan(r.totals.get("ALL", {}).get("refunded", 0)),
            "fee": yuan(r.totals.get("ALL", {}).get("fee", 0)),
            "net": yuan(r.totals.get("ALL", {}).get("net", 0)),
            "funds_net": yuan(r.fund_totals.get("ALL", {}).get("net", 0)),
        }
        for r in runs
    ]


@staff_member_required
def overview(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", DifferenceStatus.OPEN)
    status = status if status in DifferenceStatus.values else ""
    rows = ReconciliationDifference.objects.select_related("resolved_by")
    if status:
        rows = rows.filter(status=status)
    runs = list(ReconciliationRun.objects.all()[:14])
    return render(
        request,
        "console/reconciliation.html",
        {
            "runs": [
                {
                    "run": r,
                    "rows": _rows(r.totals, METHOD_LABELS),
                    "funds": _rows(r.fund_totals, ACCOUNT_LABELS),
                }
                for r in runs
            ],
            "days": _days(runs),
            "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status,
            "statuses": DifferenceStatus.choices,
            "yesterday": reconcile.yesterday(),
        },
    )


@staff_member_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    try:
        day = date.fromisoformat(request.POST.get("bill_date", "")[:10])
    except ValueError:
        messages.error(request, "账单日期格式应为 YYYY-MM-DD")
        return redirect("console:reconciliation")
    try:
        result = reconcile.reconcile_day(day)
    except (wechatpay.GatewayError, reconcile.BillFormatError):
        messages.error(request, "账单下载或解析失败，请稍后重试")
    else:
        messages.success(request, f"{day} 对账完成：账单 {result.bill_rows} 笔，差异 {result.differences} 条")
    return redirect("console:reconciliation")


@staff_member_required
@require_POST
def resolve(request: HttpRequest, difference_id: int) -> HttpResponse:
    note = request.POST.get("note", "")[:500]
    if reconcile.resolve(difference_id, request.POST.get("status", ""), note, request.user):
        messages.success(request, "差异已处理")
    else:
        messages.error(request, "未能处理：请选择处理结果并填写备注（已处理的差异不能重复处理）")
    return redirect("console:reconciliation")


@staff_member_required
@require_POST
def requery(request: HttpRequest, difference_id: int) -> HttpResponse:
    try:
        fixed = reconcile.repair_by_query(difference_id, request.user)
    except (wechatpay.GatewayError, ReconciliationDifference.DoesNotExist):
        fixed = False
    if fixed:
        messages.success(request, "已主动查单并确认支付，差异已修复")
    else:
        messages.error(request, "查单未能修复该差异")
    return redirect("console:reconciliation")
