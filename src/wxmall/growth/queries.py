"""Read side of growth."""

from __future__ import annotations

from .models import Group, GroupMember, ReferralCampaign


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
