"""Console pages for WeChat Pay: the payments list (filters: state, method, day), one payment's detail
(its order's attempts, notification inbox rows, refunds) with a refund form, and the flagged items staff
resolve (amount mismatches and double payments, late payments on cancelled orders, ABNORMAL refunds).
Staff only; state changes go through payments.actions."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from wxmall.core.errors import DomainError
from wxmall.core.money import format_yuan
from wxmall.core.money_forms import YuanField
from wxmall.payments import actions, queries, wechatpay
from wxmall.payments.models import Payment, PaymentStatus, PayMethod, Refund, RefundStatus

PAGE_SIZE = 50
REMEDY = {
    "abnormal": (
        "退款异常（常见原因：用户的银行卡已注销或冻结），微信支付不会自动重试。请登录微信支付商户平台 → 交易中心 →"
        " 退款管理，找到该退款单发起「异常退款」（退至用户其他银行卡，或改为商户线下转账）；处理后系统每分钟自动查询"
        "退款状态，也可点「重新查询」。"
    ),
    "amount": "微信到账金额与订单应付不一致，订单未标记为已支付。请核对微信支付单；确认无误后在商户平台原路退款，并联系顾客重新下单。",
    "double": "同一订单已由另一笔支付完成，本笔已自动原路退款，请确认退款到账。",
    "refunded": "订单已取消后顾客才完成支付，已自动原路退款，请确认退款到账并告知顾客。",
    "revived": "订单已取消后顾客才完成支付，库存充足，订单已恢复为待发货，请按正常订单发货。",
}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _payment_case(payment: Payment) -> str:
    if payment.late_payment:
        return payment.late_payment
    return "double" if "重复支付" in payment.flag_reason else "amount"


@staff_member_required
def payments_list(request: HttpRequest) -> HttpResponse:
    q = request.GET
    status = q.get("status", "") if q.get("status", "") in PaymentStatus.values else ""
    method = q.get("method", "") if q.get("method", "") in PayMethod.values else ""
    since, until = _day(q.get("since", "")), _day(q.get("until", ""))
    rows = queries.payments_list(status=status, method=method, since=since, until=until)
    page = Paginator(rows, PAGE_SIZE).get_page(q.get("page"))
    filters = {"status": status, "method": method, "since": since or "", "until": until or ""}
    return render(
        request,
        "console/payments_list.html",
        {
            "page": page,
            "filters": filters,
            "query": "&".join(f"{k}={v}" for k, v in filters.items() if v),
            "statuses": PaymentStatus.choices,
            "methods": PayMethod.choices,
            "flagged": queries.flagged_payments().count() + queries.flagged_refunds().count(),
        },
    )


@staff_member_required
def payment_detail(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = get_object_or_404(Payment.objects.select_related("order", "resolved_by"), pk=payment_id)
    refundable = queries.refundable(payment)
    return render(
        request,
        "console/payment_detail.html",
        {
            "payment": payment,
            "attempts": queries.payments_of(payment.order),
            "notifications": queries.notifications_of(payment),
            "refunds": payment.refunds.select_related("resolved_by").order_by("created_at", "id"),
            "refundable": refundable,
            "refundable_yuan": format_yuan(refundable),
        },
    )


@staff_member_required
@require_POST
def refund(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Full refund (amount left empty or 全额) or partial (an amount in yuan), with a reason."""
    payment = get_object_or_404(Payment, pk=payment_id)
    back = redirect("console:payment_detail", payment_id)
    reason = request.POST.get("reason", "").strip()[:80]
    if not reason:
        messages.error(request, "请填写退款原因")
        return back
    amount = None
    if request.POST.get("full") != "1":
        try:
            amount = YuanField(min_fen=1).clean(request.POST.get("amount", ""))
        except ValidationError as error:
            messages.error(request, f"退款金额有误：{'；'.join(error.messages)}")
            return back
    try:
        created = actions.refund_order(payment.order_id, amount, reason, staff=request.user)
    except DomainError as exc:
        messages.error(request, f"未能退款：{exc.message}")
        return back
    messages.success(
        request, f"已提交退款 {format_yuan(created.amount)}（{created.out_refund_no}），微信处理后自动更新"
    )
    return back


@staff_member_required
def flagged(request: HttpRequest) -> HttpResponse:
    resolved = request.GET.get("resolved") == "1"
    payments = list(queries.flagged_payments(resolved=resolved)[:200])
    refunds = list(queries.flagged_refunds(resolved=resolved)[:200])
    for p in payments:
        p.case = _payment_case(p)
        p.remedy = REMEDY[p.case]
    return render(
        request,
        "console/payments_flagged.html",
        {
            "payments": payments,
            "refunds": refunds,
            "resolved": resolved,
            "abnormal_remedy": REMEDY["abnormal"],
        },
    )


@staff_member_required
@require_POST
def resolve(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = {"payment": Payment, "refund": Refund}.get(kind)
    if model is not None and actions.resolve_flag(
        model, pk, request.POST.get("note", "")[:500], request.user
    ):
        messages.success(request, "已记录处理结果")
    else:
        messages.error(request, "未能处理：请填写处理说明（已处理的不能重复处理）")
    return redirect("console:payments_flagged")


@staff_member_required
@require_POST
def requery_refund(request: HttpRequest, refund_id: int) -> HttpResponse:
    refund_row = get_object_or_404(Refund, pk=refund_id)
    try:
        actions.query_refund(refund_row.pk)
    except wechatpay.GatewayError:
        messages.error(request, "查询失败，请稍后重试")
    else:
        refund_row.refresh_from_db()
        messages.success(request, f"退款状态：{RefundStatus(refund_row.status).label}")
    if request.POST.get("next") == "detail":
        return redirect("console:payment_detail", refund_row.payment_id)
    return redirect("console:payments_flagged")
