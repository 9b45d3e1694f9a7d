"""The after-sales desk (/console/aftersales/): requests by status, one request with the order, the
customer's photos and the decision forms (同意 / 拒绝 / 确认收到退货). Staff only, with
`aftersales.decide_aftersale`; the decisions are `actions` (guarded, one refund per request)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from wxmall.core.errors import DomainError
from wxmall.core.http import staff_permission_required
from wxmall.core.money import format_yuan

from . import actions, queries
from .models import Photo, Status

PAGE_SIZE = 50
DECISIONS = {"approve": actions.approve, "receive": actions.receive_return}


DESK = staff_permission_required(actions.PERMISSION, what="处理售后申请")


@DESK
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = Paginator(queries.desk(status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "aftersales/desk.html",
        {"page": page, "status": status if status in Status.values else "", "statuses": Status.choices},
    )


@DESK
@require_GET
def detail(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale = get_object_or_404(queries.desk(), pk=sale_id)
    return render(
        request,
        "aftersales/detail.html",
        {
            "sale": sale,
            "amount_display": format_yuan(sale.amount),
            "customer_status": queries.customer_status(sale),
        },
    )


@DESK
@require_POST
def decide(request: HttpRequest, sale_id: int, decision: str) -> HttpResponse:
    note = request.POST.get("note", "")[:400]
    try:
        if decision == "reject":
            actions.reject(sale_id, request.user, note)
            done = "已拒绝该售后申请"
        elif decision in DECISIONS:
            sale = DECISIONS[decision](sale_id, request.user, note)
            done = (
                "已同意退货，等待顾客寄回商品"
                if sale.status == Status.AWAITING_RETURN
                else f"已提交退款 {format_yuan(sale.amount)}，微信处理后自动更新"
            )
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, f"未能处理：{error.message}")
    else:
        messages.success(request, done)
    return redirect("console:aftersales_detail", sale_id)


@DESK
@require_GET
def photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    found = get_object_or_404(Photo, pk=photo_id)
    response = FileResponse(found.file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
