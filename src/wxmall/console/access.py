"""Which role may open which console page that predates the roles: one table, enforced by
`ConsoleAccessMiddleware` and read by the navigation (`console_access.may_open`), so a role sees in the
nav exactly the pages it may open. Pages added with the roles check their own permission in the view
(`core.http.staff_permission_required`).

The table applies to every staff account that is not a superuser. A role holder (a member of any group)
needs the row's permission; an account given permissions one by one needs any permission of the row's
app, the page's own check deciding the rest. A superuser opens everything. A staff account with no role and
no permission of its own opens no console page: it gets the Chinese "no role assigned, ask the owner"
page (the console migration 0003 made every such account that existed on upgrade a 店主, so nobody was
locked out)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from wxmall.core.http import forbidden

# (view name or prefix, permission, what, for the 403 page). The first matching row applies.
SECTIONS: list[tuple[str, str, str]] = [
    ("console:outbox", "core.view_outboxmessage", "外发消息"),
    ("console:destinations", "core.view_outboxmessage", "投递健康"),
    ("console:reconciliation", "payments.view_reconciliationrun", "支付对账"),
    ("console:payment_refund", "payments.add_refund", "发起退款"),
    ("console:refund_requery", "payments.view_refund", "退款查询"),
    ("console:payment", "payments.view_payment", "支付"),
    ("console:wechat_api", "wechat.view_apicallstat", "微信接口"),
    ("console:store", "store.view_storeshop", "微信小店"),
    ("console:channels", "channels.view_livesession", "视频号"),
    ("console:members_import", "members_import.view_importjob", "会员导入"),
    ("console:pickup", "pickup.view_pickuporder", "自提核销"),
    ("console:invoice", "invoicing.view_invoice", "发票"),
    ("console:growth_deal", "growth.view_groupdeal", "拼团活动"),
    ("console:growth_", "growth.view_group", "拼团与邀请"),
    ("oa_console:", "officialaccount.view_follower", "公众号"),
    ("support:", "support.view_conversation", "客服"),
    ("compliance:review", "compliance.review_copy", "文案审核"),
    ("compliance:", "compliance.view_merchantterm", "合规"),
    ("analytics:campaign", "analytics.view_campaign", "营销活动"),
    ("analytics:", "analytics.view_adspend", "数据分析"),
]


def section_for(view_name: str) -> tuple[str, str] | None:
    for prefix, permission, what in SECTIONS:
        if view_name.startswith(prefix):
            return permission, what
    return None


def may_open(user, view_name: str) -> bool:
    if not (user.is_authenticated and user.is_staff):
        return False
    if user.is_superuser:
        return True
    if no_role(user):
        return False
    section = section_for(view_name)
    if section is None or user.has_perm(section[0]):
        return True
    # Permissions given one by one, without a role: any permission of the section's app lets the account
    # in, and the page's own check decides the rest (a pickup clerk holds only pickup.verify_pickup).
    return not _has_role(user) and user.has_module_perms(section[0].partition(".")[0])


def _has_role(user) -> bool:
    cached = getattr(user, "_console_has_role", None)
    if cached is None:
        cached = user._console_has_role = user.groups.exists()
    return cached


def no_role(user) -> bool:
    """Staff (not superuser) with neither a role nor a permission of its own: may open no console page."""
    if user.is_superuser:
        return False
    cached = getattr(user, "_console_no_role", None)
    if cached is None:
        cached = user._console_no_role = not _has_role(user) and not user.user_permissions.exists()
    return cached


def no_role_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(render_to_string("core/no_role.html", request=request), status=403)


class ConsoleAccessMiddleware:
    """Refuses, with the Chinese 403 page, a role opening a table page it may not open, and every console
    page to a staff account with no role. Anonymous visitors and non-staff pass through to the view,
    which sends them to log in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs):
        match = request.resolver_match
        console = request.path_info.startswith("/console/")
        section = section_for(match.view_name) if match is not None else None
        if not console and section is None:
            return None  # only console pages need the user (reading it costs a query on others)
        user = getattr(request, "user", None)
        if user is None or not (user.is_authenticated and user.is_staff):
            return None
        if console and no_role(user):
            return no_role_page(request)
        if section and not may_open(user, match.view_name):
            return forbidden(request, section[1])
        return None
