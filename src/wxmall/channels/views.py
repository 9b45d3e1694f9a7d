"""Console pages 视频号 (/console/channels/): the content calendar with staff reminders, live sessions (the
shelf plan, featured product, timed coupons and live figures), short videos with their tracked links,
sharers and commission rules, the commission ledger with statements (CSV/XLSX), the alliance and topic
challenges. Staff only; every form posts back with a Chinese message and writes nothing on bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from wxmall.audit.actions import record
from wxmall.catalog.models import Product
from wxmall.core.errors import DomainError
from wxmall.core.http import staff_permission_required
from wxmall.core.money import parse_yuan
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WeChatError

from . import queries, settlement, statements
from .actions import alliance, calendar, live, rules, sharers, videos
from .errors import ChannelsError
from .models import (
    AllianceItem,
    CalendarEntry,
    ChallengeClaim,
    CommissionRule,
    EntryKind,
    ImportedProduct,
    LiveSession,
    Sharer,
    ShortVideo,
    StaffNotice,
    TopicChallenge,
)


def _int(request: HttpRequest, name: str, *, required: bool = True) -> int | None:
    value = request.POST.get(name, "").strip()
    if not value and not required:
        return None
    if not value.isdigit() or len(value) > 12:
        raise ValueError(name)
    return int(value)


def _when(request: HttpRequest, name: str) -> datetime:
    """A datetime-local input (Beijing time)."""
    value = request.POST.get(name, "").strip()[:16]
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M")
    return timezone.make_aware(moment, timezone.get_current_timezone())


def _act(request: HttpRequest, action: Callable[[], object], done: str, back: str) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    except (WeChatError, NotConfigured, ImproperlyConfigured):
        messages.error(request, "微信接口暂不可用或未配置，请稍后重试")
    except (ValueError, KeyError):
        messages.error(request, "提交的内容不完整或格式不对")
    else:
        messages.success(request, done)
    return redirect(back)


@staff_member_required
def overview(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = {
        "notices": StaffNotice.objects.filter(read_at__isnull=True).select_related("entry")[:20],
        "entries": CalendarEntry.objects.filter(starts_at__gte=now - timedelta(days=1))[:40],
        "kinds": EntryKind.choices,
        "sessions": LiveSession.objects.all()[:20],
        "videos": [
            (v, queries.video_figures(v)) for v in ShortVideo.objects.select_related("link", "product")[:20]
        ],
        "sharers": Sharer.objects.all()[:50],
        "rules": CommissionRule.objects.select_related("product", "category")[:50],
        "ledger": queries.ledger(50),
        "products": Product.objects.filter(is_listed=True).order_by("title")[:200],
        "alliance": AllianceItem.objects.select_related("product")[:50],
        "imported": ImportedProduct.objects.all()[:50],
        "promoter_sales": queries.promoter_sales(),
        "challenges": TopicChallenge.objects.select_related("coupon").annotate(claimed=Count("claims"))[:20],
        "claims": ChallengeClaim.objects.select_related("challenge", "user").order_by("-claimed_at")[:20],
        "period": f"{timezone.localdate():%Y-%m}",
    }
    return render(request, "channels/overview.html", context)


BACK = "console:channels"


def _back(anchor: str) -> str:
    return reverse(BACK) + anchor


# --- calendar -------------------------------------------------------------------------------------------
@require_POST
@staff_member_required
def generate(request: HttpRequest) -> HttpResponse:
    def run():
        created = calendar.generate(timezone.localdate(), 28)
        messages.info(request, f"新增 {created} 条日程")

    return _act(request, run, "已按内容节奏生成未来四周的日程", _back("#calendar"))


@require_POST
@staff_member_required
def add_entry(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        lambda: calendar.add_entry(
            kind=request.POST.get("kind", ""),
            title=request.POST.get("title", "")[:100],
            starts_at=_when(request, "starts_at"),
            note=request.POST.get("note", "")[:200],
        ),
        "已添加日程",
        _back("#calendar"),
    )


@require_POST
@staff_member_required
def read_notice(request: HttpRequest) -> HttpResponse:
    return _act(
        request, lambda: calendar.mark_read(_int(request, "notice_id")), "已标记为已读", _back("#notices")
    )


# --- live -----------------------------------------------------------------------------------------------
@require_POST
@staff_member_required
def create_live(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        lambda: live.create(
            title=request.POST.get("title", "")[:100],
            starts_at=_when(request, "starts_at"),
            finder_id=request.POST.get("finder_id", "").strip()[:64],
            export_id=request.POST.get("export_id", "").strip()[:128],
        ),
        "已创建直播场次",
        _back("#live"),
    )


@staff_member_required
def live_room(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(LiveSession, pk=session_id)
    context = {
        "session": session,
        "shelf": session.shelf.select_related("product"),
        "coupons": session.coupons.all(),
        "figures": queries.live_figures(session),
        "products": Product.objects.filter(is_listed=True).order_by("title")[:200],
    }
    return render(request, "channels/live.html", context)


@require_GET
@staff_member_required
def live_figures(request: HttpRequest, session_id: int) -> JsonResponse:
    """Polled by the live page every few seconds while the session runs."""
    return JsonResponse(queries.live_figures(get_object_or_404(LiveSession, pk=session_id)))


def _live_back(session_id: int) -> str:
    return reverse("console:channels_live", args=[session_id])


@require_POST
@staff_member_required
def shelf(request: HttpRequest, session_id: int) -> HttpResponse:
    op = request.POST.get("op", "")

    def run():
        product_id = _int(request, "product_id")
        if op == "add":
            live.add_to_shelf(session_id, product_id)
        elif op == "remove":
            live.remove_from_shelf(session_id, product_id)
        elif op == "feature":
            live.feature(session_id, product_id)
        else:
            raise ValueError(op)

    return _act(request, run, "已更新直播货架，请在视频号助手同步操作", _live_back(session_id))


@require_POST
@staff_member_required
def live_coupon(request: HttpRequest, session_id: int) -> HttpResponse:
    return _act(
        request,
        lambda: live.schedule_coupon(
            session_id,
            store_coupon_id=request.POST.get("store_coupon_id", "").strip()[:24],
            name=request.POST.get("name", "")[:40],
            pops_at=_when(request, "pops_at"),
            until=_when(request, "until"),
        ),
        "已安排弹券",
        _live_back(session_id),
    )


@require_POST
@staff_member_required
def live_link(request: HttpRequest, session_id: int) -> HttpResponse:
    op = request.POST.get("op", "")

    def run():
        if op == "end":
            live.end(session_id)
        else:
            live.link_export_id(session_id, request.POST.get("export_id", ""))

    return _act(request, run, "已更新直播场次", _live_back(session_id))


# --- videos, sharers, rules -----------------------------------------------------------------------------
@require_POST
@staff_member_required
def add_video(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        lambda: videos.add_video(
            title=request.POST.get("title", "")[:100],
            export_id=request.POST.get("export_id", "")[:140],
            product_id=_int(request, "product_id"),
            finder_id=request.POST.get("finder_id", "").strip()[:64],
        ),
        "已登记短视频并生成推广链接",
        _back("#videos"),
    )


@require_POST
@staff_member_required
def sharer_action(request: HttpRequest) -> HttpResponse:
    op = request.POST.get("op", "")

    def run():
        if op == "sync":
            messages.info(request, f"已绑定分享员 {sharers.sync()} 位")
        elif op == "invite":
            url = sharers.invite(request.POST.get("username", ""))
            messages.info(request, f"邀请二维码（15 天内有效）：{url}")
        elif op == "unbind":
            sharers.unbind(_int(request, "sharer_id"))
        elif op == "promoter":
            sharers.add_promoter(request.POST.get("finder_id", ""), request.POST.get("nickname", "")[:64])
        elif op == "refresh":
            sharers.refresh_promoter(_int(request, "sharer_id"))
        elif op == "receiver":
            sharers.set_receiver(
                _int(request, "sharer_id"),
                receiver_type=request.POST.get("receiver_type", ""),
                account=request.POST.get("account", "")[:64],
                name=request.POST.get("name", "")[:128],
            )
        elif op == "link":
            made = videos.sharer_link(
                _int(request, "sharer_id"),
                product_id=_int(request, "product_id"),
                live_id=_int(request, "live_id", required=False),
            )
            messages.info(request, f"分享员推广链接：/l/{made.link.code}")
        else:
            raise ValueError(op)

    return _act(request, run, "已完成", _back("#sharers"))


@require_POST
@staff_permission_required("channels.change_sharer", what="登记分享员实名")
def real_name(request: HttpRequest) -> HttpResponse:
    """Personal data: only with the sharer's consent, audited (the entry never holds the name)."""

    def run():
        sharer = sharers.record_real_name(
            _int(request, "sharer_id"),
            request.POST.get("real_name", "")[:64],
            consented=request.POST.get("consent") == "yes",
        )
        summary = "登记分享员实名（本人已同意）" if sharer.real_name else "清除分享员实名"
        record(request.user, "sharer.real_name", sharer, summary, request=request)

    return _act(request, run, "已保存分享员实名信息", _back("#sharers"))


def _bp(text: str) -> int:
    """A percentage typed by staff ("12.5") in basis points (1250), without floats."""
    return parse_yuan(text) or 0  # the same two-decimal grammar as yuan → fen


@require_POST
@staff_permission_required("channels.add_commissionrule", what="修改佣金规则")
def add_rule(request: HttpRequest) -> HttpResponse:
    def run():
        tiers = []
        for item in request.POST.get("tiers", "").split(",")[:11]:
            if item.strip():
                threshold, _, rate = item.partition(":")
                tiers.append({"from": parse_yuan(threshold) or 0, "rate_bp": _bp(rate)})
        rule = rules.save_rule(
            scope=request.POST.get("scope", ""),
            target_id=_int(request, "target_id"),
            kind=request.POST.get("kind", ""),
            rate_bp=_bp(request.POST.get("rate", "")),
            fixed=parse_yuan(request.POST.get("fixed", "")) or 0,
            tiers=tiers,
        )
        record(request.user, "commission_rule.save", rule, f"保存佣金规则：{rule}", request=request)

    return _act(request, run, "已保存佣金规则", _back("#rules"))


# --- ledger and statements ------------------------------------------------------------------------------
@require_POST
@staff_permission_required("channels.change_commission", what="重新结算佣金")
def retry(request: HttpRequest) -> HttpResponse:
    def run():
        row = settlement.retry(_int(request, "commission_id"))
        record(
            request.user, "commission.retry", row, f"重新发起佣金结算（第 {row.attempt} 次）", request=request
        )

    return _act(request, run, "已重新发起结算", _back("#ledger"))


@require_GET
@staff_member_required
def statement(request: HttpRequest, fmt: str) -> HttpResponse:
    period = request.GET.get("period", "")[:7]
    bounds = queries.period_bounds(period)
    if bounds is None:
        messages.error(request, ChannelsError.PERIOD_INVALID.message)
        return redirect(_back("#ledger"))
    lines, totals = queries.statement(*bounds)
    if fmt == "xlsx":
        body = statements.to_xlsx(period, lines, totals)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, kind = statements.to_csv(period, lines, totals), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="commission-{period}.{fmt}"'
    return response


# --- alliance and challenges ----------------------------------------------------------------------------
@require_POST
@staff_member_required
def alliance_action(request: HttpRequest) -> HttpResponse:
    op = request.POST.get("op", "")

    def run():
        if op == "publish":
            alliance.publish(_int(request, "product_id"), _int(request, "ratio"))
        elif op == "import":
            alliance.import_product(
                appid=request.POST.get("appid", ""),
                product_id=request.POST.get("product_id", ""),
                title=request.POST.get("title", "")[:120],
                price=parse_yuan(request.POST.get("price", "")) or 0,
            )
        else:
            raise ValueError(op)

    return _act(request, run, "已提交联盟操作", _back("#alliance"))


@require_POST
@staff_member_required
def add_challenge(request: HttpRequest) -> HttpResponse:
    from .actions import challenges

    return _act(
        request,
        lambda: challenges.create(
            topic=request.POST.get("topic", "")[:60],
            coupon_id=_int(request, "coupon_id"),
            starts_at=_when(request, "starts_at"),
            ends_at=_when(request, "ends_at"),
        ),
        "已创建话题挑战",
        _back("#challenges"),
    )
