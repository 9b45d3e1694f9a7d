"""Console pages of customer service (/console/support/): the inbox and one conversation. Staff only."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages as flash
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from wxmall.core.errors import DomainError

from . import actions, queries, wecom, windows
from .models import Conversation, ConversationState


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} 秒" if value < 120 else f"{value / 60:.1f} 分钟"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


@staff_member_required
def inbox(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in ConversationState.values:
        state = ""
    now = timezone.now()
    cards = []
    for label, since in (
        ("今日", now.replace(hour=0, minute=0, second=0, microsecond=0)),
        ("近 7 天", now - timedelta(days=7)),
    ):
        m = queries.metrics(since)
        cards.append(
            {
                "label": label,
                "bot_rate": _percent(m.bot_rate),
                "bot_answers": m.bot_answers,
                "handoffs": m.handoffs,
                "first_avg": _seconds(m.first_response_avg_s),
                "first_p50": _seconds(m.first_response_p50_s),
                "resolution": _percent(m.resolution_rate),
                "closed": m.closed,
            }
        )
    return render(
        request,
        "support/inbox.html",
        {
            "conversations": queries.inbox(state or None),
            "state": state,
            "states": ConversationState.choices,
            "cards": cards,
        },
    )


@staff_member_required
def detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = get_object_or_404(
        Conversation.objects.select_related("agent", "customer"), pk=conversation_id
    )
    window = windows.window_for(conversation.appid, conversation.openid)
    left = (window.expires_at - timezone.now()).total_seconds() if window.is_open else 0
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
    return render(
        request,
        "support/detail.html",
        {
            "c": conversation,
            "chat": conversation.messages.select_related("agent", "outbox").order_by("id"),
            "window": window,
            "window_left": _seconds(left) if window.is_open else "",
            "staff": staff,
            "max_chars": actions.MAX_REPLY_CHARS,
            "can_reply": conversation.state not in (ConversationState.CLOSED, ConversationState.WECOM),
            "wecom": wecom.configured(),
        },
    )


def _act(request: HttpRequest, conversation_id: int, done: str, fn) -> HttpResponse:
    try:
        fn()
    except DomainError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, done)
    return redirect("support:detail", conversation_id=conversation_id)


@require_POST
@staff_member_required
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    text = request.POST.get("text", "")
    return _act(
        request, conversation_id, "已发送", lambda: actions.reply(conversation_id, request.user, text)
    )


@require_POST
@staff_member_required
def take(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _act(request, conversation_id, "已接入", lambda: actions.take(conversation_id, request.user))


@require_POST
@staff_member_required
def transfer(request: HttpRequest, conversation_id: int) -> HttpResponse:
    target = request.POST.get("agent", "")
    return _act(
        request, conversation_id, "已转接", lambda: actions.transfer(conversation_id, request.user, target)
    )


@require_POST
@staff_member_required
def close(request: HttpRequest, conversation_id: int) -> HttpResponse:
    resolved = request.POST.get("resolved") == "1"
    return _act(
        request,
        conversation_id,
        "会话已关闭",
        lambda: actions.close(conversation_id, request.user, resolved=resolved),
    )


@require_POST
@staff_member_required
def to_wecom(request: HttpRequest, conversation_id: int) -> HttpResponse:
    from . import wecom_actions

    return _act(
        request,
        conversation_id,
        "已转企业微信客服，已向顾客发送客服链接",
        lambda: wecom_actions.hand_to_wecom(conversation_id, request.user),
    )
