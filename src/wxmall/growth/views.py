"""Storefront pages of growth (group detail, open/join, invite) and console pages (groups, campaigns)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from wxmall.accounts.models import Address
from wxmall.core.errors import DomainError
from wxmall.marketing import posters
from wxmall.storefront.views.common import customer_required

from . import queries
from .actions import groups, referral
from .models import Group, ReferralCampaign

FIELD_LIMIT = 2001  # one past the longest field: an over-long value is refused, never cut


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 else None


def group(request: HttpRequest, group_id: int) -> HttpResponse:
    found = queries.group_page(group_id)
    if found is None:
        raise Http404("团不存在")
    left = max(0, int((found.expires_at - timezone.now()).total_seconds()))
    addresses = Address.objects.filter(user=request.user) if request.user.is_authenticated else []
    return render(
        request,
        "growth/group.html",
        {
            "group": found,
            "members": queries.members_of(found),
            "seconds_left": left,
            "addresses": addresses,
            "share_url": request.build_absolute_uri(reverse("marketing:follow", args=[found.link.code])),
        },
    )


def _seat(request: HttpRequest, call) -> HttpResponse:
    address_id = _int(request.POST.get("address_id"))
    try:
        member = call(address_id)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(request.META.get("HTTP_REFERER") or reverse("storefront:home"))
    return redirect("storefront:pay", order_no=member.order.order_no)


def group_poster(request: HttpRequest, group_id: int) -> HttpResponse:
    found = queries.group_page(group_id)
    if found is None:
        raise Http404("团不存在")
    product = found.deal.sku.product
    png = posters.poster_png(
        found.link,
        title=f"{found.deal.size}人团 · {product.title}",
        price=found.deal.group_price,
        image=product.cover,
    )
    return HttpResponse(png, content_type="image/png")


@customer_required
def invite_poster(request: HttpRequest) -> HttpResponse:
    campaign = queries.running_campaign()
    if campaign is None:
        raise Http404("当前没有进行中的邀请活动")
    link = referral.invite_link(campaign, request.user)
    return HttpResponse(posters.poster_png(link, title=campaign.name), content_type="image/png")


@customer_required
@require_POST
def open_group(request: HttpRequest, deal_id: int) -> HttpResponse:
    return _seat(request, lambda address_id: groups.open_group(request.user, deal_id, address_id=address_id))


@customer_required
@require_POST
def join_group(request: HttpRequest, group_id: int) -> HttpResponse:
    return _seat(request, lambda address_id: groups.join_group(request.user, group_id, address_id=address_id))


@customer_required
def invite(request: HttpRequest) -> HttpResponse:
    campaign = queries.running_campaign()
    url = posters.short_url(referral.invite_link(campaign, request.user)) if campaign else ""
    return render(request, "growth/invite.html", {"campaign": campaign, "invite_url": url})


@customer_required
def invited(request: HttpRequest, campaign_id: int, inviter_id: int) -> HttpResponse:
    """The invite link's landing page; accepting is a POST (a GET must not bind the visitor to anyone)."""
    campaign = get_object_or_404(ReferralCampaign, pk=campaign_id)
    inviter = get_object_or_404(get_user_model(), pk=inviter_id)
    if request.method != "POST":
        return render(request, "growth/invited.html", {"campaign": campaign})
    try:
        referral.accept(campaign_id, inviter, request.user)
        messages.success(request, "已接受邀请：完成首单后你和邀请人都会获得积分")
    except DomainError as error:
        messages.info(request, error.message)
    return redirect("storefront:home")


# --- console --------------------------------------------------------------------------------------------
@staff_member_required
def console_groups(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    return render(
        request,
        "growth/console_groups.html",
        {"groups": queries.groups_for_console(state), "states": Group.State.choices, "state": state},
    )


@staff_member_required
def console_campaigns(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        post = request.POST
        try:
            referral.create_campaign(
                name=post.get("name", "")[:FIELD_LIMIT],
                copy=post.get("copy", "")[:FIELD_LIMIT],
                mechanism=post.get("mechanism", "")[:FIELD_LIMIT],
                inviter_points=_int(post.get("inviter_points")) or 0,
                invitee_points=_int(post.get("invitee_points")) or 0,
            )
            messages.success(request, "邀请活动已创建（草稿），开始前会做合规检查")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("console:growth_campaigns")
    return render(
        request, "growth/console_campaigns.html", {"campaigns": ReferralCampaign.objects.all()[:200]}
    )


@staff_member_required
@require_POST
def console_campaign_start(request: HttpRequest, campaign_id: int) -> HttpResponse:
    try:
        referral.start_campaign(campaign_id)
        messages.success(request, "邀请活动已开始")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("console:growth_campaigns")


@staff_member_required
@require_POST
def console_campaign_stop(request: HttpRequest, campaign_id: int) -> HttpResponse:
    if referral.stop_campaign(campaign_id):
        messages.success(request, "邀请活动已停止")
    return redirect("console:growth_campaigns")
