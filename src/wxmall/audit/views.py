"""The console's audit log page: the shop owner only (permission audit.view_auditentry)."""

from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wxmall.core.http import staff_permission_required

from . import queries

PAGE_SIZE = 50


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


@staff_permission_required("audit.view_auditentry", what="查看操作日志")
def audit_list(request: HttpRequest) -> HttpResponse:
    q = request.GET
    filters = {
        "actor": q.get("actor", "")[:150],
        "action": q.get("action", "")[:64],
        "target_type": q.get("target_type", "")[:64],
        "target_id": q.get("target_id", "")[:64],
        "since": _day(q.get("since", "")),
        "until": _day(q.get("until", "")),
    }
    page = Paginator(queries.entries(**filters), PAGE_SIZE).get_page(q.get("page"))
    query = q.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_list.html",
        {"page": page, "filters": filters, "choices": queries.choices(), "query": query.urlencode()},
    )
