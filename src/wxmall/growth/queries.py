"""Read side of growth."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from wxmall.checkout.models import Coupon, CouponAudience
from wxmall.payments.models import Refund

from .models import Group, GroupDeal, GroupMember, ReferralCampaign


def group_page(group_id: int) -> Group | None:
    return Group.objects.select_related("deal__sku__product", "link").filter(pk=group_id).first()


def members_of(group: Group) -> list[GroupMember]:
    return list(GroupMember.objects.filter(group=group).select_related("user", "order"))


def groups_for_console(state: str = "", limit: int = 200) -> list[Group]:
    rows = Group.objects.select_related("deal", "leader", "link").order_by("-created_at", "-id")
    if state in Group.State.values:
        rows = rows.filter(state=state)
    return list(rows[:limit])


def running_campaign() -> ReferralCampaign | None:
    return ReferralCampaign.objects.filter(state=ReferralCampaign.State.RUNNING).order_by("-id").first()


def deals_for_console(limit: int = 200) -> list[GroupDeal]:
    """Deals, newest first, with how many of their groups are filling, succeeded and failed, and how many
    members of failed groups had their refund started."""
    state = Group.State
    return list(
        GroupDeal.objects.select_related("sku__product")
        .annotate(
            filling=Count("groups", filter=Q(groups__state=state.OPEN), distinct=True),
            succeeded=Count("groups", filter=Q(groups__state=state.SUCCEEDED), distinct=True),
            failed=Count("groups", filter=Q(groups__state=state.FAILED), distinct=True),
            refunds=Count("groups__members", filter=Q(groups__members__refund_started=True), distinct=True),
        )
        .order_by("-created_at", "-id")[:limit]
    )


def deal_groups(deal: GroupDeal, limit: int = 200) -> list[Group]:
    """The deal's groups with their members, each member's order and its refunds (newest first)."""
    members = GroupMember.objects.select_related("user", "order").prefetch_related(
        Prefetch("order__refunds", queryset=Refund.objects.order_by("-created_at"))
    )
    return list(
        Group.objects.filter(deal=deal)
        .select_related("leader", "link")
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("-created_at", "-id")[:limit]
    )


def reward_coupons(limit: int = 200) -> list[Coupon]:
    """Coupons a referral campaign may give (`referral._reward_coupon` checks the same on create)."""
    return list(
        Coupon.objects.filter(
            is_active=True, audience=CouponAudience.GRANTED, ends_at__gt=timezone.now()
        ).order_by("-id")[:limit]
    )
