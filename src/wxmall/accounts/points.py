"""Members and points: each change is one `PointsEntry` row plus a guarded UPDATE of `Member.points`
(`… WHERE points >= n` when taking points away), so the balance never goes negative, and order-driven
entries are unique per (order, kind), so a replayed payment or refund changes nothing the second time.
Every function runs inside the caller's transaction or opens its own."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from wxmall.core.errors import DomainError

from .errors import AccountError
from .models import Member, MembershipLevel, PointsEntry, User

Kind = PointsEntry.Kind


def member_for(user: User, source: str = Member.Source.ORDER, *, lock: bool = False) -> Member:
    """The customer's membership, created on first need (two first needs at once: one row wins)."""
    try:
        with transaction.atomic():
            Member.objects.get_or_create(user=user, defaults={"source": source})
    except IntegrityError:
        pass
    rows = Member.objects.select_for_update() if lock else Member.objects
    return rows.get(user=user)


def join_on_follow(user: User) -> Member:
    """Following the Official Account makes a customer a member (the OA's subscribe handler calls this)."""
    return member_for(user, Member.Source.FOLLOW)


def earned_for(amount_fen: int) -> int:
    return max(0, amount_fen) // 100 * settings.POINTS_PER_YUAN


def _apply(
    user: User, delta: int, kind: str, *, order_no: str = "", staff=None, reason: str = ""
) -> int | None:
    """Change the balance by `delta` and write its entry; None when this (order, kind) was applied before.
    A negative delta larger than the balance is refused with POINTS_INSUFFICIENT."""
    with transaction.atomic():
        member = member_for(user, lock=True)
        try:
            with transaction.atomic():
                entry = PointsEntry.objects.create(
                    user=user,
                    kind=kind,
                    delta=delta,
                    balance_after=0,
                    order_no=order_no,
                    staff=staff,
                    reason=reason[:200],
                )
        except IntegrityError:
            if order_no:
                return None
            raise
        updated = Member.objects.filter(pk=member.pk, points__gte=max(0, -delta)).update(
            points=F("points") + delta
        )
        if updated != 1:
            raise DomainError(AccountError.POINTS_INSUFFICIENT)
        balance = Member.objects.values_list("points", flat=True).get(pk=member.pk)
        PointsEntry.objects.filter(pk=entry.pk).update(balance_after=balance)
        _refresh_level(member.pk)
        return delta


def _refresh_level(member_id: int) -> None:
    member = Member.objects.get(pk=member_id)
    reached = (
        MembershipLevel.objects.filter(
            Q(min_paid_total=0, min_points=0)
            | Q(min_paid_total__gt=0, min_paid_total__lte=member.paid_total)
            | Q(min_points__gt=0, min_points__lte=member.points)
        )
        .order_by("-rank")
        .first()
    )
    if reached and member.level_id != reached.pk:
        Member.objects.filter(pk=member_id).update(level=reached)


# -- order hooks (registered in AccountsConfig.ready) ---------------------------------------------------------


def earn_on_paid(order, from_status: str, to_status: str) -> None:
    """Points for a paid order, once per order; the paid amount counts toward the membership level."""
    amount = int(order.total)
    user = User.objects.get(pk=order.user_id)
    if _apply(user, earned_for(amount), Kind.EARN_ORDER, order_no=order.order_no) is not None:
        Member.objects.filter(user=user).update(paid_total=F("paid_total") + amount)
        _refresh_level(Member.objects.get(user=user).pk)


def reverse_on_refund(order, from_status: str, to_status: str) -> None:
    """A refunded order takes back what it earned (as much as is left: the balance stays >= 0) and its
    amount stops counting toward the level. Idempotent per order."""
    earned = PointsEntry.objects.filter(order_no=order.order_no, kind=Kind.EARN_ORDER).first()
    if earned is None:
        return
    user = User.objects.get(pk=order.user_id)
    with transaction.atomic():
        member = member_for(user, lock=True)
        take = min(earned.delta, member.points)
        if _apply(user, -take, Kind.REVERSE_ORDER, order_no=order.order_no) is None:
            return
        amount = int(order.total)
        Member.objects.filter(pk=member.pk, paid_total__gte=amount).update(
            paid_total=F("paid_total") - amount
        )
        Member.objects.filter(pk=member.pk, paid_total__lt=amount).update(paid_total=0)
        _refresh_level(member.pk)


# -- staff and merges -------------------------------------------------------------------------------------------


def adjust(user: User, delta: int, *, staff: User, reason: str) -> int:
    """A staff adjustment, recorded with who and why; cannot take the balance below zero."""
    if delta == 0 or abs(delta) > 10_000_000 or not reason.strip():
        raise DomainError(AccountError.POINTS_INVALID_AMOUNT)
    _apply(user, delta, Kind.ADJUST, staff=staff, reason=reason)
    return Member.objects.values_list("points", flat=True).get(user=user)


def move_membership(source: User, target: User) -> tuple[int, int]:
    """Inside a merge: the source's balance and paid total go to the target, each side's ledger says so."""
    member = Member.objects.select_for_update().filter(user=source).first()
    if member is None:
        return 0, 0
    points, paid = member.points, member.paid_total
    if points:
        _apply(source, -points, Kind.MERGE_OUT, reason=f"合并到用户 {target.pk}")
        _apply(target, points, Kind.MERGE_IN, reason=f"由用户 {source.pk} 合并")
    target_member = member_for(target, Member.Source.MERGE, lock=True)
    Member.objects.filter(pk=target_member.pk).update(paid_total=F("paid_total") + paid)
    Member.objects.filter(pk=member.pk).update(paid_total=0)
    _refresh_level(target_member.pk)
    _refresh_level(member.pk)
    return points, paid


def unmove_membership(source: User, target: User, points: int, paid: int) -> None:
    """Undo `move_membership`; refused (nothing changes) if the target no longer holds those points."""
    if points:
        try:
            _apply(target, -points, Kind.MERGE_OUT, reason=f"撤销合并，退回用户 {source.pk}")
        except DomainError:
            raise DomainError(AccountError.MERGE_REVERSE_POINTS_SPENT) from None
        _apply(source, points, Kind.MERGE_IN, reason=f"撤销合并，由用户 {target.pk} 退回")
    target_member = member_for(target, lock=True)
    source_member = member_for(source, lock=True)
    Member.objects.filter(pk=target_member.pk).update(
        paid_total=F("paid_total") - min(paid, target_member.paid_total)
    )
    Member.objects.filter(pk=source_member.pk).update(paid_total=F("paid_total") + paid)
    _refresh_level(target_member.pk)
    _refresh_level(source_member.pk)
