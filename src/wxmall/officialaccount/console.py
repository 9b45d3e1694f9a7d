"""Console pages (Chinese, staff only): reply rules and scene QR codes of the Official Account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from wxmall.wechat.errors import WeChatError

from . import menus, queries, scenes
from .forms import ReplyRuleForm, SceneCodeForm
from .models import MenuVersion, ReplyRule


@staff_member_required
def overview(request: HttpRequest) -> HttpResponse:
    context = queries.overview() | {"rule_form": ReplyRuleForm(), "code_form": SceneCodeForm()}
    return render(request, "officialaccount/overview.html", context)


@staff_member_required
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    rule = get_object_or_404(ReplyRule, pk=rule_id) if rule_id else None
    form = ReplyRuleForm(request.POST if request.method == "POST" else None, instance=rule)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "规则已保存")
        return redirect("oa_console:overview")
    status = 400 if request.method == "POST" else 200
    return render(request, "officialaccount/rule_form.html", {"form": form, "rule": rule}, status=status)


@staff_member_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    get_object_or_404(ReplyRule, pk=rule_id).delete()
    messages.success(request, "规则已删除")
    return redirect("oa_console:overview")


@staff_member_required
@require_POST
def code_create(request: HttpRequest) -> HttpResponse:
    form = SceneCodeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            code = scenes.create_code(
                scene=data["scene"], name=data["name"], kind=data["kind"], tag=form.tag_object()
            )
        except WeChatError as exc:
            messages.error(request, f"微信生成二维码失败（errcode {exc.errcode}），请稍后重试")
        else:
            messages.success(request, f"已生成场景二维码：{code.name}")
            return redirect("oa_console:overview")
    context = queries.overview() | {"rule_form": ReplyRuleForm(), "code_form": form}
    return render(request, "officialaccount/overview.html", context, status=400)


@staff_member_required
def menu(request: HttpRequest) -> HttpResponse:
    latest = MenuVersion.objects.first()
    form = menus.MenuForm(
        request.POST if request.method == "POST" else None, initial=latest.form_data if latest else None
    )
    if request.method == "POST" and form.is_valid():
        version = menus.publish(form, request.user)
        held = menus.hold_reason(version)
        if held:
            messages.warning(request, f"菜单 #{version.pk} 暂未发布（{held}），文案审核通过后自动发布到微信")
        else:
            messages.success(request, f"菜单 #{version.pk} 已提交发布，稍后在下方“线上菜单”中确认")
        return redirect("oa_console:menu")
    live, problem = menus.live_menu()
    context = {
        "form": form,
        "live": live,
        "problem": problem,
        "latest": latest,
        "held": menus.hold_reason(latest),
    }
    return render(
        request, "officialaccount/menu.html", context, status=400 if request.method == "POST" else 200
    )
