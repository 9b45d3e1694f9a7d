"""Members and points: each change is one `PointsEntry` row plus a guarded UPDATE of `Member.points`
(`… WHERE points >= n` when taking points away), so the balance never goes negative, and order-driven
entries are unique per (order, kind, ref), so a replayed payment or refund changes nothing the second time.
Every function runs inside the caller's transaction or opens its own."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum

from wxmall.core.bulk import insert_rows
from wxmall.core.errors import DomainError
from wxmall.core.outbox import enqueue
from wxmall.orders.models import Order
from wxmall.orders.state import PAID_STATUSES

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
    user: User, delta: int, kind: str, *, order_no: str = "", ref: str = "", staff=None, reason: str = ""
) -> int | None:
    """Change the balance by `delta` and write its entry; None when this (order, kind, ref) was applied
    before.
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
                    ref=ref[:64],
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
    _refresh(Member.objects.filter(pk=member_id))


def refresh_levels(user_ids: list[int]) -> None:
    """`_refresh_level` for many members at once (imports)."""
    if user_ids:
        _refresh(Member.objects.filter(user_id__in=user_ids))


def levels_high_first() -> list[MembershipLevel]:
    return list(MembershipLevel.objects.order_by("-rank"))


def level_reached(levels: list[MembershipLevel], points_: int, paid: int) -> MembershipLevel | None:
    """The highest of `levels` (from `levels_high_first`) reached by this paid total or points balance
    (a level with neither threshold is reached by everyone); None when none is."""
    return next(
        (
            lv
            for lv in levels
            if (lv.min_paid_total == 0 and lv.min_points == 0)
            or (0 < lv.min_paid_total <= paid)
            or (0 < lv.min_points <= points_)
        ),
        None,
    )


def _refresh(members) -> None:
    """Each member's level: the highest-ranked one reached by paid total or points (a level with neither
    threshold is reached by everyone). One read of the levels and the members, one UPDATE per level."""
    levels = levels_high_first()
    if not levels:
        return
    moves: dict[int, list[int]] = {}
    for pk, points_, paid, level_id in members.values_list("pk", "points", "paid_total", "level_id"):
        reached = level_reached(levels, points_, paid)
        if reached and reached.pk != level_id:
            moves.setdefault(reached.pk, []).append(pk)
    for level_id, pks in moves.items():
        Member.objects.filter(pk__in=pks).update(level_id=level_id)


# -- order hooks (registered in AccountsConfig.ready) ---------------------------------------------------------


EARN = "points.earn"


def earn_on_paid(order, from_status: str, to_status: str) -> None:
    """Hook on paid: the accrual is queued (an outbox row in the payment's transaction, destination
    `points`) and done by the worker (`accrue_for_order`), so the payment notification answers after
    one INSERT instead of the member, entry and level statements."""
    enqueue("points", EARN, {"order_no": order.order_no}, key=f"points:earn:{order.order_no}")


def accrue_for_order(order_no: str) -> bool:
    """Points for a paid order, once per order; the paid amount counts toward the membership level.
    Under the order's row lock: an order refunded or cancelled before the accrual ran earns nothing (its
    refund found nothing to take back). Returns whether points were added now."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(order_no=order_no).first()
        if order is None or order.status not in PAID_STATUSES:
            return False
        amount = int(order.total)
        user = User.objects.get(pk=order.user_id)
        if _apply(user, earned_for(amount), Kind.EARN_ORDER, order_no=order.order_no) is None:
            return False
        Member.objects.filter(user=user).update(paid_total=F("paid_total") + amount)
        _refresh_level(Member.objects.get(user=user).pk)
        return True


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


# -- points spent at checkout ------------------------------------------------------------------------------


def balance_of(user: User) -> int:
    return Member.objects.filter(user=user).values_list("points", flat=True).first() or 0


def spend_for_order(user: User, points: int, *, order_no: str) -> None:
    """Points paying part of a new order, inside the placement's transaction: a guarded UPDATE, so more
    than the balance (another checkout spent them a moment ago) is refused with POINTS_INSUFFICIENT and
    the whole placement rolls back."""
    if points <= 0:
        return
    if _apply(user, -points, Kind.SPEND_ORDER, order_no=order_no, reason="下单抵扣") is None:
        raise DomainError(AccountError.POINTS_INSUFFICIENT)


def _given_back(order_no: str) -> int:
    return (
        PointsEntry.objects.filter(order_no=order_no, kind__in=(Kind.RESTORE_ORDER, Kind.REFUND_RETURN))
        .aggregate(total=Sum("delta"))
        .get("total")
        or 0
    )


def restore_on_cancel(order, from_status: str, to_status: str) -> None:
    """A cancelled (or auto-cancelled) order gives back every point it spent, once per order."""
    if order.points_used:
        user = User.objects.get(pk=order.user_id)
        _apply(user, order.points_used, Kind.RESTORE_ORDER, order_no=order.order_no, reason="订单取消")


def return_for_refund(order, *, ref: str, refunded: int, completes: bool) -> int:
    """Points an order spent come back in proportion to what has been refunded: after refunds totalling
    `refunded` fen of the order's `total`, floor(points_used × refunded / total) have been returned in
    all (everything once the order is fully refunded, `completes`). One entry per refund (`ref`), so a
    replayed refund result returns nothing twice. Returns the points given back now."""
    spent = int(order.points_used or 0)
    if not spent:
        return 0
    user = User.objects.get(pk=order.user_id)
    with transaction.atomic():
        member_for(user, lock=True)  # serialises concurrent refunds of this customer's orders
        due = spent if completes or refunded >= order.total else spent * max(0, refunded) // order.total
        give = due - _given_back(order.order_no)
        if give <= 0:
            return 0
        reason = "订单退款" if completes else f"部分退款 {ref}"
        applied = _apply(user, give, Kind.REFUND_RETURN, order_no=order.order_no, ref=ref, reason=reason)
        return applied or 0


def return_on_refunded(order, from_status: str, to_status: str) -> None:
    """Order hook: a fully refunded order gives back whatever of its spent points is still out."""
    return_for_refund(order, ref="refunded", refunded=order.total, completes=True)


def credit(user: User, amount: int, *, kind: str, reason: str) -> None:
    """Points given for something outside orders (a member import), with its ledger entry."""
    if amount > 0:
        _apply(user, amount, kind, reason=reason)


def apply_for_order(user: User, delta: int, kind: str, *, order_no: str, ref: str, reason: str) -> int | None:
    """A change tied to an order (e.g. a referral reward): once per (order, kind, ref); None when it was
    applied before."""
    return _apply(user, delta, kind, order_no=order_no, ref=ref, reason=reason)


def credit_many(
    credits: dict[int, int], *, kind: str, reason: str, source: str = Member.Source.IMPORT
) -> None:
    """`credit` for many customers in a few statements (a member import's batch): members created where
    missing, one guarded UPDATE per customer sent as one batch, the ledger rows with the balances read back
    inside the caller's transaction (the UPDATEs hold the rows), then the levels."""
    credits = {user_id: amount for user_id, amount in credits.items() if amount > 0}
    if not credits:
        return
    users = list(credits)
    insert_rows(Member, [{"user_id": u, "source": source} for u in users], ignore_conflicts=True)
    with connection.cursor() as cursor:
        table, qn = Member._meta.db_table, connection.ops.quote_name
        cursor.executemany(
            f"UPDATE {qn(table)} SET {qn('points')} = {qn('points')} + %s WHERE {qn('user_id')} = %s",
            [(amount, user_id) for user_id, amount in credits.items()],
        )
    balances = dict(Member.objects.filter(user_id__in=users).values_list("user_id", "points"))
    insert_rows(
        PointsEntry,
        [
            {
                "user_id": u,
                "kind": kind,
                "delta": credits[u],
                "balance_after": balances[u],
                "reason": reason[:200],
            }
            for u in users
        ],
    )
    refresh_levels(users)


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
