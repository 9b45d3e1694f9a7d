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
from wxmall.audit.actions import record as audit_record
from wxmall.core.errors import DomainError
from wxmall.core.http import forbidden
from wxmall.marketing import posters
from wxmall.storefront.views.common import customer_required

from . import queries
from .actions import groups, referral
from .forms import DealForm
from .models import Group, GroupDeal, ReferralCampaign

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
                inviter_coupon_id=_int(post.get("inviter_coupon")),
                invitee_coupon_id=_int(post.get("invitee_coupon")),
            )
            messages.success(request, "邀请活动已创建（草稿），开始前会做合规检查")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("console:growth_campaigns")
    campaigns = ReferralCampaign.objects.select_related("inviter_coupon", "invitee_coupon")[:200]
    return render(
        request,
        "growth/console_campaigns.html",
        {"campaigns": campaigns, "coupons": queries.reward_coupons()},
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


@staff_member_required
def console_deals(request: HttpRequest) -> HttpResponse:
    """Group deals with their groups' outcome; creating one (price typed in yuan)."""
    form = DealForm()
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("growth.add_groupdeal"):
            return forbidden(request, "新建拼团活动")
        form = DealForm(request.POST)
        if form.is_valid():
            try:
                deal = groups.create_deal(**form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                audit_record(
                    request.user,
                    "growth.deal_create",
                    deal,
                    f"新建拼团活动「{deal.title}」",
                    {"group_price": deal.group_price, "size": deal.size, "hours": deal.hours},
                    request=request,
                )
                messages.success(request, f"已创建拼团活动「{deal.title}」")
                return redirect("console:growth_deals")
        status = 400
    return render(
        request,
        "growth/console_deals.html",
        {"deals": queries.deals_for_console(), "form": form},
        status=status,
    )


@staff_member_required
def console_deal(request: HttpRequest, deal_id: int) -> HttpResponse:
    """One deal: its groups (members, orders, refunds) and the edit form."""
    deal = get_object_or_404(GroupDeal.objects.select_related("sku__product"), pk=deal_id)
    initial = {"title": deal.title, "group_price": deal.group_price, "size": deal.size, "hours": deal.hours}
    form = DealForm(initial=initial, with_sku=False)
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("growth.change_groupdeal"):
            return forbidden(request, "修改拼团活动")
        form = DealForm(request.POST, with_sku=False)
        if form.is_valid():
            try:
                groups.update_deal(deal.pk, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                audit_record(
                    request.user,
                    "growth.deal_update",
                    deal,
                    f"修改拼团活动「{form.cleaned_data['title']}」",
                    {"before": initial, "after": form.cleaned_data},
                    request=request,
                )
                messages.success(request, "已保存，新开的团按新设置进行")
                return redirect("console:growth_deal", deal_id=deal.pk)
        status = 400
    return render(
        request,
        "growth/console_deal.html",
        {"deal": deal, "form": form, "groups": queries.deal_groups(deal)},
        status=status,
    )


@staff_member_required
@require_POST
def console_deal_end(request: HttpRequest, deal_id: int) -> HttpResponse:
    if not request.user.has_perm("growth.change_groupdeal"):
        return forbidden(request, "结束拼团活动")
    deal = get_object_or_404(GroupDeal, pk=deal_id)
    if groups.end_deal(deal.pk):
        audit_record(request.user, "growth.deal_end", deal, f"结束拼团活动「{deal.title}」", request=request)
        messages.success(request, "活动已结束：不能再开新团，进行中的团到截止时间为止")
    else:
        messages.info(request, "该活动已经结束")
    return redirect("console:growth_deal", deal_id=deal.pk)
