"""Order-transition hooks (registered in apps.py); each runs inside the transition's transaction."""

from __future__ import annotations

from wxmall.orders.state import OrderStatus

from .actions import groups, referral
from .models import GroupMember


def _member(order) -> GroupMember | None:
    return GroupMember.objects.filter(order_id=order.pk).first()


def group_member_paid(order, from_status: str, to_status: str) -> None:
    if member := _member(order):
        groups.record_paid(member)


def group_seat_freed(order, from_status: str, to_status: str) -> None:
    if from_status == OrderStatus.PENDING_PAYMENT and (member := _member(order)):
        groups.free_seat(member)


def referral_reward(order, from_status: str, to_status: str) -> None:
    referral.reward_first_order(order)


def referral_reversal(order, from_status: str, to_status: str) -> None:
    referral.reverse_reward(order)
