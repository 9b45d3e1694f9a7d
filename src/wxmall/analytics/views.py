"""Console pages: the dashboards (date range, channel and attribution filters), their CSV exports, ad
spend entered by hand or imported from a CSV, A/B test results with stop / ship, grey releases, and
campaigns (list, create, edit, archive; attach / detach links, coupons, A/B tests and topic challenges,
with each challenge's participants and conversion; audited).
Staff only; every change needs its model's permission."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wxmall.audit import actions as audit
from wxmall.core.errors import DomainError
from wxmall.core.money import parse_yuan, yuan
from wxmall.marketing.models import Link
from wxmall.members_import.cleaning import safe_cell

from . import actions, campaigns, experiments, queries, rollouts
from .errors import AnalyticsError
from .models import AdSpend, Alert, Campaign, Experiment, Rollout

ECHARTS = "echarts/echarts.min.js"
DEFAULT_DAYS = 7
MAX_DAYS = 92
MAX_SPEND_FILE_BYTES = 512 * 1024
_CHANNEL = re.compile(r"[a-z0-9_]{1,32}")


def _filters(request: HttpRequest) -> tuple[queries.Filters, list[str]]:
    """The page's filters from the query string; anything invalid falls back to the default, said why."""
    problems: list[str] = []
    today = timezone.localdate()
    start, end = today - timedelta(days=DEFAULT_DAYS - 1), today
    try:
        if request.GET.get("start"):
            start = date.fromisoformat(request.GET["start"][:10])
        if request.GET.get("end"):
            end = date.fromisoformat(request.GET["end"][:10])
    except ValueError:
        problems.append("日期格式应为 YYYY-MM-DD，已显示最近 7 天")
        start, end = today - timedelta(days=DEFAULT_DAYS - 1), today
    if end < start or (end - start).days >= MAX_DAYS:
        problems.append(f"日期范围应在 1 至 {MAX_DAYS} 天之间，已显示最近 7 天")
        start, end = today - timedelta(days=DEFAULT_DAYS - 1), today
    channel = request.GET.get("channel", "")
    if channel and not _CHANNEL.fullmatch(channel):
        problems.append("渠道不存在，已显示全部渠道")
        channel = ""
    model = "first" if request.GET.get("model") == "first" else "last"
    return queries.Filters(start=start, end=end, channel=channel, model=model), problems


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _money(value: float | int | None) -> str:
    return "—" if value is None else yuan(round(value))


def _shown(rows: list[dict]) -> list[dict]:
    """Rows with their display strings (yuan, percentages), for the page's tables."""
    for r in rows:
        r["shown"] = {
            "conv_order": _percent(r.get("conv_order")),
            "conv_pay": _percent(r.get("conv_pay")),
            "gmv": yuan(r.get("gmv", 0)),
            "gmv_share": _percent(r.get("gmv_share")),
            "spend": yuan(r.get("spend", 0)),
            "budget": "—" if r.get("budget") is None else yuan(r["budget"]),
            "roi": "—" if r.get("roi") is None else f"{r['roi']:.2f}",
            "ctr": _percent(r.get("ctr")),
            "dwell": "—" if r.get("dwell_ms") is None else f"{r['dwell_ms'] / 1000:.1f} 秒",
        }
    return rows


@staff_member_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    filters, problems = _filters(request)
    for problem in problems:
        messages.error(request, problem)
    with queries.Board(filters) as board:
        overview = board.overview()
        channels = board.by("channel")
        campaign_rows = board.campaigns()
        videos = board.contents(queries.VIDEO_CHANNELS)
        articles = board.articles()
        funnel = board.funnel()
        retention = board.retention()
        daily = board.daily()
        recommended = board.recommendation_ctr()
    chart = {
        "days": [d["day"] for d in daily],
        "uv": [d["uv"] for d in daily],
        "pv": [d["pv"] for d in daily],
        "gmv_yuan": [d["gmv"] / 100 for d in daily],  # display only
        "channels": [c["label"] for c in channels],
        "channel_uv": [c["uv"] for c in channels],
        "conv_order": [round((c["conv_order"] or 0) * 100, 2) for c in channels],
        "conv_pay": [round((c["conv_pay"] or 0) * 100, 2) for c in channels],
        "gmv_share": [{"name": c["label"], "value": c["gmv"] / 100} for c in channels if c["gmv"]],
        "funnel": [{"name": s["label"], "value": s["visitors"]} for s in funnel],
        # read → jump → pay of the ten most read articles
        "article_titles": [r["label"] for r in articles[:10]],
        "article_readers": [r["read_users"] for r in articles[:10]],
        "article_clickers": [r["clickers"] for r in articles[:10]],
        "article_paying": [r["paying"] for r in articles[:10]],
    }
    return render(
        request,
        "analytics/dashboard.html",
        {
            "filters": filters,
            "query": request.GET.urlencode(),
            "channel_choices": sorted(queries.CHANNEL_LABELS.items(), key=lambda kv: kv[0]),
            "overview": overview,
            "cards": [
                ("UV（访客）", f"{overview['uv']:,}"),
                ("PV（浏览）", f"{overview['pv']:,}"),
                ("下单数", f"{overview['orders']:,}"),
                ("支付订单", f"{overview['paid_orders']:,}"),
                ("成交额 GMV", "¥" + yuan(overview["gmv"])),
                ("客单价 AOV", "¥" + _money(overview["aov"])),
                ("ARPU", "¥" + _money(overview["arpu"])),
                ("复购率", _percent(overview["repurchase_rate"])),
                ("推荐点击率", _percent(recommended["ctr"])),
            ],
            "channels": _shown(channels),
            "campaigns": _shown(campaign_rows),
            "videos": _shown(videos),
            "articles": [
                r | {"jump_shown": _percent(r["jump_rate"]), "read_pay_shown": _percent(r["read_to_pay"])}
                for r in _shown(articles)
            ],
            "funnel": [s | {"shown": _percent(s["of_first"])} for s in funnel],
            "retention": [c | {"shown": [_percent(rate) for rate in c["rates"]]} for c in retention],
            "api_rates": [
                r | {"shown": _percent(r["success_rate"])}
                for r in queries.wechat_api_rates(*queries.day_bounds(filters))
            ],
            "outbox_rates": [
                r | {"shown": _percent(r["success_rate"])}
                for r in queries.outbox_rates(*queries.day_bounds(filters))
            ],
            "retention_days": range(queries.RETENTION_DAYS + 1),
            "chart": chart,
            "echarts_available": finders.find(ECHARTS) is not None,
            "echarts_path": ECHARTS,
            "alerts": Alert.objects.filter(resolved_at__isnull=True)[:20],
            "spend_rows": AdSpend.objects.filter(day__range=(filters.start, filters.end))[:100],
        },
    )


# --- CSV exports --------------------------------------------------------------------------------------
def _table(board: queries.Board, name: str) -> tuple[list[str], list[list]]:
    def grouped(rows):
        return [
            [
                r["label"],
                r["uv"],
                r["pv"],
                r["ordering"],
                r["paying"],
                _percent(r["conv_order"]),
                _percent(r["conv_pay"]),
                r["paid_orders"],
                yuan(r["gmv"]),
            ]
            for r in rows
        ]

    head = ["名称", "UV", "PV", "下单访客", "支付访客", "UV→下单", "UV→支付", "支付订单", "GMV(元)"]
    if name == "channels":
        return head, grouped(board.by("channel"))
    if name == "content":
        return head, grouped(board.by("content"))
    if name == "campaigns":
        rows = board.campaigns()
        return head + ["预算(元)", "花费(元)", "ROI", "曝光", "点击", "CTR", "平均停留(秒)"], [
            [
                *line,
                "" if r["budget"] is None else yuan(r["budget"]),
                yuan(r["spend"]),
                "—" if r["roi"] is None else f"{r['roi']:.2f}",
                r["impressions"],
                r["clicks"],
                _percent(r["ctr"]),
                "—" if r["dwell_ms"] is None else f"{r['dwell_ms'] / 1000:.1f}",
            ]
            for line, r in zip(grouped(rows), rows, strict=True)
        ]
    if name == "articles":
        return [
            "文章 msgid",
            "标题",
            "阅读人数",
            "阅读次数",
            "分享次数",
            "跳转点击",
            "跳转访客",
            "跳转率",
            "UV",
            "下单访客",
            "支付访客",
            "UV→下单",
            "UV→支付",
            "阅读→支付",
            "GMV(元)",
            "推广链接",
        ], [
            [
                r["key"],
                r["title"],
                r["read_users"],
                r["reads"],
                r["shares"],
                r["clicks"],
                r["clickers"],
                _percent(r["jump_rate"]),
                r["uv"],
                r["ordering"],
                r["paying"],
                _percent(r["conv_order"]),
                _percent(r["conv_pay"]),
                _percent(r["read_to_pay"]),
                yuan(r["gmv"]),
                " ".join(r["links"]),
            ]
            for r in board.articles()
        ]
    if name == "funnel":
        return ["步骤", "访客", "占首步"], [
            [s["label"], s["visitors"], _percent(s["of_first"])] for s in board.funnel()
        ]
    if name == "retention":
        return ["首访日期", "人数", *[f"第{n}天" for n in range(queries.RETENTION_DAYS + 1)]], [
            [c["cohort"], c["size"], *[_percent(rate) for rate in c["rates"]]] for c in board.retention()
        ]
    if name == "daily":
        return ["日期", "UV", "PV", "GMV(元)"], [
            [d["day"], d["uv"], d["pv"], yuan(d["gmv"])] for d in board.daily()
        ]
    raise KeyError(name)


EXPORTS = ("channels", "campaigns", "content", "articles", "funnel", "retention", "daily")


class _Echo:
    def write(self, value):
        return value


@staff_member_required
@require_GET
def export(request: HttpRequest, table: str) -> HttpResponse:
    if table not in EXPORTS:
        return HttpResponse("没有这个报表", status=404, content_type="text/plain; charset=utf-8")
    filters, _ = _filters(request)
    with queries.Board(filters) as board:
        head, rows = _table(board, table)
    writer = csv.writer(_Echo())
    lines = ["\ufeff", writer.writerow(head), *(writer.writerow([safe_cell(v) for v in row]) for row in rows)]
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = f"analytics-{table}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- ad spend -----------------------------------------------------------------------------------------
_QUERY = re.compile(r"[A-Za-z0-9=&_.%+-]{0,300}")


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the dashboard with the filters it had (a query string of safe characters only)."""
    query = request.POST.get("back", "")
    return redirect(
        reverse("analytics:dashboard") + (f"?{query}" if query and _QUERY.fullmatch(query) else "")
    )


@staff_member_required
@permission_required("analytics.add_adspend", raise_exception=True)
@require_POST
def spend_save(request: HttpRequest) -> HttpResponse:
    campaign = request.POST.get("campaign", "").strip()
    spend = parse_yuan(request.POST.get("spend_yuan", ""))
    counts = [request.POST.get(n, "0").strip() or "0" for n in ("impressions", "clicks")]
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        day = None
    if not campaign or len(campaign) > actions.CAMPAIGN_MAX or spend is None or day is None:
        messages.error(request, "请填写活动名称（最多 64 字）、日期与花费（元，最多两位小数）")
    elif not all(c.isdigit() and len(c) <= 12 for c in counts):
        messages.error(request, "曝光与点击应为非负整数")
    else:
        try:
            actions.save_spend(campaign, day, spend, int(counts[0]), int(counts[1]))
            messages.success(request, f"已保存 {campaign} 在 {day} 的花费 ¥{yuan(spend)}")
        except DomainError as error:
            messages.error(request, error.message)
    return _back(request)


@staff_member_required
@permission_required("analytics.add_adspend", raise_exception=True)
@require_POST
def spend_import(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None or upload.size > MAX_SPEND_FILE_BYTES:
        messages.error(request, "请选择不超过 512 KB 的 CSV 文件")
    else:
        try:
            text = upload.read().decode("utf-8-sig")
            count = actions.import_spend(text)
            messages.success(request, f"已导入 {count} 行广告花费")
        except UnicodeDecodeError:
            messages.error(request, "文件应为 UTF-8 编码的 CSV")
        except DomainError as error:
            messages.error(request, error.message)
    return _back(request)


# --- A/B tests ----------------------------------------------------------------------------------------
@staff_member_required
@require_GET
def experiment_list(request: HttpRequest) -> HttpResponse:
    filters, problems = _filters(request)
    for problem in problems:
        messages.error(request, problem)
    rows = []
    for experiment in Experiment.objects.all()[:50]:
        arms = experiments.results(experiment, filters.start, filters.end)
        rows.append(
            {
                "experiment": experiment,
                "arms": [
                    {
                        "arm": arm,
                        "rate": _percent(arm.rate),
                        "z": "—" if arm.z is None else f"{arm.z:.2f}",
                        "p": "—" if arm.p_value is None else f"{arm.p_value:.4f}",
                    }
                    for arm in arms
                ],
            }
        )
    return render(
        request,
        "analytics/experiments.html",
        {"filters": filters, "rows": rows, "query": request.GET.urlencode()},
    )


@staff_member_required
@permission_required("analytics.change_experiment", raise_exception=True)
@require_POST
def experiment_decide(request: HttpRequest, experiment_id: int) -> HttpResponse:
    try:
        if request.POST.get("decision") == "stop":
            experiments.stop(experiment_id)
            messages.success(request, "实验已停止，所有访客看到对照组")
        else:
            variant = request.POST.get("variant", "")
            experiments.ship(experiment_id, variant)
            messages.success(request, f"已全量版本 {variant}")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("analytics:experiments"))


# --- grey release -------------------------------------------------------------------------------------
@staff_member_required
@require_GET
def rollout_list(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/rollouts.html", {"rollouts": Rollout.objects.all()[:100]})


@staff_member_required
@permission_required("analytics.change_rollout", raise_exception=True)
@require_POST
def rollout_set(request: HttpRequest, rollout_id: int) -> HttpResponse:
    value = request.POST.get("percent", "").strip()
    try:
        if not value.isdigit() or len(value) > 3:
            raise DomainError(AnalyticsError.BAD_ROLLOUT_PERCENT)
        rollouts.set_percent(rollout_id, int(value))
        messages.success(request, f"已调整为 {int(value)}%（{rollouts.CACHE_SECONDS} 秒内全部生效）")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("analytics:rollouts"))


@staff_member_required
@permission_required("analytics.change_rollout", raise_exception=True)
@require_POST
def rollout_allow(request: HttpRequest, rollout_id: int) -> HttpResponse:
    try:
        allowed = rollouts.set_allowlist(rollout_id, request.POST.get("allowlist", "")[:4000])
        messages.success(
            request, f"白名单已保存（{len(allowed)} 位顾客，{rollouts.CACHE_SECONDS} 秒内全部生效）"
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(reverse("analytics:rollouts"))


# --- campaigns ----------------------------------------------------------------------------------------
def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _campaign_input(request: HttpRequest) -> campaigns.CampaignInput:
    post = request.POST
    return campaigns.CampaignInput(
        name=post.get("name", "")[:1000],
        starts_on=_day(post.get("starts_on", "")),
        ends_on=_day(post.get("ends_on", "")),
        budget=parse_yuan(post.get("budget_yuan", "")[:40]),
        notes=post.get("notes", "")[:8000],
    )


def _campaign_detail(data: campaigns.CampaignInput) -> dict:
    return {
        "name": data.name,
        "starts_on": str(data.starts_on),
        "ends_on": str(data.ends_on),
        "budget": data.budget,
    }


@staff_member_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    shown = (
        Campaign.objects.all()
        if request.GET.get("archived") == "1"
        else Campaign.objects.filter(archived_at__isnull=True)
    )
    return render(
        request,
        "analytics/campaigns.html",
        {"campaigns": shown[:200], "archived": request.GET.get("archived") == "1", "form": {}},
    )


@staff_member_required
@permission_required("analytics.add_campaign", raise_exception=True)
@require_POST
def campaign_create(request: HttpRequest) -> HttpResponse:
    data = _campaign_input(request)
    code = request.POST.get("code", "")[:200]
    try:
        campaign = campaigns.create(code, data)
    except DomainError as error:
        messages.error(request, error.message)
        form = request.POST.dict() | {"code": code}
        return render(
            request,
            "analytics/campaigns.html",
            {
                "campaigns": Campaign.objects.filter(archived_at__isnull=True)[:200],
                "archived": False,
                "form": form,
            },
            status=error.status,
        )
    audit.record(
        request.user,
        "campaign.create",
        campaign,
        f"创建营销活动：{campaign.name}",
        {"code": campaign.code, **_campaign_detail(data)},
        request,
    )
    messages.success(request, f"已创建营销活动 {campaign.name}")
    return redirect(reverse("analytics:campaign", args=[campaign.pk]))


def _campaign_page(request: HttpRequest, campaign: Campaign, status: int = 200) -> HttpResponse:
    return render(
        request,
        "analytics/campaign.html",
        {
            "campaign": campaign,
            "links": Link.objects.filter(campaign=campaign.code)[:200],
            "coupons": campaign.coupons.all()[:200],
            "experiments": campaign.experiments.all()[:50],
            "challenges": [
                c | {"conversion_shown": _percent(c["conversion"]), "gmv_shown": yuan(c["gmv"])}
                for c in queries.challenges(campaign)
            ],
            "dashboard_query": f"start={campaign.starts_on.isoformat()}&end={campaign.ends_on.isoformat()}",
        },
        status=status,
    )


@staff_member_required
@require_http_methods(["GET", "POST"])
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """GET: the campaign, its members and the edit form. POST: save the edit (change permission)."""
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    if request.method == "GET":
        return _campaign_page(request, campaign)
    if not request.user.has_perm("analytics.change_campaign"):
        raise PermissionDenied
    data = _campaign_input(request)
    try:
        campaign = campaigns.update(campaign.pk, data)
    except DomainError as error:
        messages.error(request, error.message)
        return _campaign_page(request, campaign, error.status)
    audit.record(
        request.user,
        "campaign.update",
        campaign,
        f"修改营销活动：{campaign.name}",
        _campaign_detail(data),
        request,
    )
    messages.success(request, "已保存")
    return redirect(reverse("analytics:campaign", args=[campaign.pk]))


@staff_member_required
@permission_required("analytics.change_campaign", raise_exception=True)
@require_POST
def campaign_archive(request: HttpRequest, campaign_id: int) -> HttpResponse:
    try:
        campaign = campaigns.archive(campaign_id)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("analytics:campaigns"))
    audit.record(request.user, "campaign.archive", campaign, f"归档营销活动：{campaign.name}", None, request)
    messages.success(request, f"已归档 {campaign.name}（链接与数据保留）")
    return redirect(reverse("analytics:campaigns"))


MEMBER_LABELS = {"link": "推广链接", "coupon": "优惠券", "experiment": "A/B 实验", "challenge": "话题挑战"}


@staff_member_required
@permission_required("analytics.change_campaign", raise_exception=True)
@require_POST
def campaign_member(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Attach (`op=attach`) or detach a link (by short code; also needs change_link), coupon or experiment."""
    kind, op = request.POST.get("kind", ""), request.POST.get("op", "")
    ref = request.POST.get("ref", "")[:64]
    back = redirect(reverse("analytics:campaign", args=[campaign_id]))
    if kind not in MEMBER_LABELS or op not in ("attach", "detach"):
        messages.error(request, "请选择要关联或移除的对象类型")
        return back
    if kind == "link" and not request.user.has_perm("marketing.change_link"):
        raise PermissionDenied
    try:
        act = campaigns.attach if op == "attach" else campaigns.detach
        member = act(campaign_id, kind, ref)
    except DomainError as error:
        messages.error(request, error.message)
        return back
    campaign = Campaign.objects.get(pk=campaign_id)
    verb = "关联" if op == "attach" else "移除"
    audit.record(
        request.user,
        f"campaign.{op}",
        campaign,
        f"营销活动 {campaign.name} {verb}{MEMBER_LABELS[kind]} {member}",
        {"kind": kind, "ref": ref.strip()},
        request,
    )
    messages.success(request, f"已{verb}{MEMBER_LABELS[kind]} {member}")
    return back
