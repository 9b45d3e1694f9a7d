"""Console page /console/privacy/: export a customer's personal data (ZIP of JSON) or erase it. Each
needs its own permission and a stated reason; erasure also needs the customer id typed again."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from wxmall.core.errors import DomainError
from wxmall.core.http import staff_permission_required
from wxmall.core.validation import CleanCharField

from . import actions
from .models import DataRequest


class RequestForm(forms.Form):
    customer_id = forms.IntegerField(label="用户 ID", min_value=1, max_value=2**62)
    reason = CleanCharField(label="依据（如用户申请编号）", max_length=200)


class EraseForm(RequestForm):
    confirm = forms.IntegerField(label="再次输入用户 ID 以确认", min_value=1, max_value=2**62)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("customer_id") and cleaned.get("confirm") != cleaned.get("customer_id"):
            raise forms.ValidationError("两次输入的用户 ID 不一致")
        return cleaned


@staff_permission_required("privacy.export_personal_data", what="处理个人信息请求")
def privacy_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/home.html",
        {
            "export": RequestForm(),
            "erase": EraseForm(),
            "recent": DataRequest.objects.select_related("staff")[:50],
        },
    )


@require_POST
@staff_permission_required("privacy.export_personal_data", what="导出个人信息")
def export(request: HttpRequest) -> HttpResponse:
    form = RequestForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/home.html", {"export": form, "erase": EraseForm()}, status=400)
    customer_id = form.cleaned_data["customer_id"]
    try:
        body = actions.export(customer_id, request.user, form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("privacy:home")
    response = HttpResponse(body, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="customer-{customer_id}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_permission_required("privacy.erase_personal_data", what="删除个人信息")
def erase(request: HttpRequest) -> HttpResponse:
    form = EraseForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/home.html", {"export": RequestForm(), "erase": form}, status=400)
    try:
        counts = actions.erase(form.cleaned_data["customer_id"], request.user, form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("privacy:home")
    messages.success(
        request,
        f"已删除：收货地址 {counts['addresses']} 条、微信身份 {counts['wechat_identities']} 个；"
        f"{counts['orders_anonymised']} 个订单已匿名化保留",
    )
    return redirect("privacy:home")
