"""Group buying. A member's order is a normal order at the group price (paid through WeChat Pay, cancelled
unpaid by the usual timeout); its stock unit is taken with `catalog.stock.take` when the seat is taken, so
a group's stock is held per member and released by the existing cancel/refund paths.

Concurrency: a seat is taken with `UPDATE … SET seats = seats + 1 WHERE state = open AND seats < size AND
expires_at > now`; the (group, user) unique constraint refuses a second join; success (paid == size) and
failure (expired unfilled) are both decided under the group's row lock, so a group filling up at the
moment it expires ends in exactly one of the two."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from wxmall.accounts.actions import lock_customer, own_address
from wxmall.catalog import stock
from wxmall.checkout.errors import CheckoutError
from wxmall.core.errors import DomainError
from wxmall.marketing.actions import create_link
from wxmall.orders import events
from wxmall.orders.actions import transition
from wxmall.orders.models import Order, OrderLine
from wxmall.orders.numbers import new_order_no
from wxmall.orders.state import ActorKind, OrderStatus
from wxmall.payments.actions import refund_order

from ..errors import GrowthError
from ..models import Group, GroupDeal, GroupMember

FAIL_REASON = "拼团未成团，自动退款"


def _active_deal(deal_id: int) -> GroupDeal:
    deal = GroupDeal.objects.select_related("sku__product").filter(pk=deal_id, is_active=True).first()
    if deal is None or not deal.sku.is_active:
        raise DomainError(GrowthError.DEAL_NOT_FOUND)
    return deal


def create_deal(*, sku, title: str, group_price: int, size: int, hours: int) -> GroupDeal:
    if not (1 <= group_price < sku.price and 2 <= size <= 50 and 1 <= hours <= 72 and title.strip()):
        raise DomainError(GrowthError.BAD_DEAL)
    return GroupDeal.objects.create(
        sku=sku, title=title.strip()[:60], group_price=group_price, size=size, hours=hours
    )


def update_deal(deal_id: int, *, title: str, group_price: int, size: int, hours: int) -> GroupDeal:
    """Change a deal for the groups opened from now on: an open group keeps its deadline and its members'
    orders their price. The size cannot change while a group is open (its members joined for that size)."""
    with transaction.atomic():
        deal = GroupDeal.objects.select_for_update().select_related("sku").filter(pk=deal_id).first()
        if deal is None:
            raise DomainError(GrowthError.DEAL_NOT_FOUND)
        if not (1 <= group_price < deal.sku.price and 2 <= size <= 50 and 1 <= hours <= 72 and title.strip()):
            raise DomainError(GrowthError.BAD_DEAL)
        if size != deal.size and Group.objects.filter(deal=deal, state=Group.State.OPEN).exists():
            raise DomainError(GrowthError.DEAL_SIZE_LOCKED)
        deal.title, deal.group_price, deal.size, deal.hours = title.strip()[:60], group_price, size, hours
        deal.save(update_fields=["title", "group_price", "size", "hours"])
        return deal


def end_deal(deal_id: int) -> bool:
    """No new group can be opened; groups already open run to their deadline (fill or fail and refund).
    Returns False when the deal had already ended."""
    return bool(GroupDeal.objects.filter(pk=deal_id, is_active=True).update(is_active=False))


def open_group(user, deal_id: int, *, address_id: int) -> GroupMember:
    """Open a new group of the deal with `user` as its leader and first member (an unpaid order)."""
    deal = _active_deal(deal_id)
    with transaction.atomic():
        link = create_link(
            target_url=settings.SITE_URL, name=deal.title[:60], campaign="group_buy", channel="group"
        )
        group = Group.objects.create(
            deal=deal, leader=user, link=link, expires_at=timezone.now() + timedelta(hours=deal.hours)
        )
        link.target_url = settings.SITE_URL.rstrip("/") + reverse("growth:group", args=[group.pk])
        link.content_id = str(group.pk)
        link.save(update_fields=["target_url", "content_id"])
        return _take_seat(user, group, deal, address_id)


def join_group(user, group_id: int, *, address_id: int) -> GroupMember:
    """Join an open group through its share link. A second join by the same customer is refused."""
    group = Group.objects.select_related("deal__sku__product").filter(pk=group_id).first()
    if group is None:
        raise DomainError(GrowthError.GROUP_NOT_FOUND)
    with transaction.atomic():
        return _take_seat(user, group, group.deal, address_id)


def _take_seat(user, group: Group, deal: GroupDeal, address_id: int) -> GroupMember:
    lock_customer(user)
    address = own_address(user, address_id)
    now = timezone.now()
    taken = Group.objects.filter(
        pk=group.pk, state=Group.State.OPEN, seats__lt=deal.size, expires_at__gt=now
    ).update(seats=F("seats") + 1)
    if not taken:
        current = Group.objects.filter(pk=group.pk).values_list("state", "seats").first()
        full = current and current[0] == Group.State.OPEN and current[1] >= deal.size
        raise DomainError(GrowthError.GROUP_FULL if full else GrowthError.GROUP_CLOSED)
    sku = deal.sku
    order = Order.objects.create(
        order_no=new_order_no(),
        user=user,
        subtotal=deal.group_price,
        total=deal.group_price,
        channel=f"group:{group.link.code}",
        expires_at=now + timedelta(seconds=settings.ORDER_PAYMENT_TIMEOUT_SECONDS),
        ship_recipient=address.recipient,
        ship_phone=address.phone,
        ship_province=address.province,
        ship_city=address.city,
        ship_district=address.district,
        ship_detail=address.detail,
    )
    OrderLine.objects.create(
        order=order,
        sku=sku,
        product_title=sku.product.title[:120],
        spec_label=sku.spec_label[:200],
        image=sku.product.cover[:300],
        unit_price=deal.group_price,
        quantity=1,
        line_total=deal.group_price,
    )
    events.record(
        order, "", OrderStatus.PENDING_PAYMENT, actor=user, actor_kind=ActorKind.CUSTOMER, reason="拼团下单"
    )
    try:
        with transaction.atomic():
            member = GroupMember.objects.create(group=group, user=user, order=order)
    except IntegrityError:
        raise DomainError(GrowthError.ALREADY_JOINED) from None
    if not stock.take(sku.pk, 1):
        raise DomainError(CheckoutError.OUT_OF_STOCK, f"{sku.product.title} 库存不足", sku_id=sku.pk)
    return member


def _locked_group(group_id: int) -> Group:
    return Group.objects.select_for_update().select_related("deal").get(pk=group_id)


def record_paid(member: GroupMember, now=None) -> None:
    """A member's order was paid (inside that transition). Counts only while the group is open and not
    past its deadline; the group that reaches its size succeeds. A payment landing on a failed group is
    left for `expire_due` to refund (it cannot refund inside the payment's own transition)."""
    now = now or timezone.now()
    GroupMember.objects.filter(pk=member.pk).update(is_paid=True)
    group = _locked_group(member.group_id)
    if group.state != Group.State.OPEN or group.expires_at <= now:
        return
    group.paid += 1
    fields = ["paid"]
    if group.paid >= group.deal.size:
        group.state, group.decided_at = Group.State.SUCCEEDED, now
        fields += ["state", "decided_at"]
    group.save(update_fields=fields)


def free_seat(member: GroupMember) -> None:
    """A member's unpaid order was cancelled: the place is free again while the group is open."""
    Group.objects.filter(pk=member.group_id, state=Group.State.OPEN, seats__gt=0).update(seats=F("seats") - 1)


def expire(group_id: int, now=None) -> bool:
    """Fail the group if it is still open past its deadline (under its row lock) and refund every paid
    member not refunded yet; cancel members still unpaid. Idempotent: a second run refunds nothing twice.
    Returns True when this call failed the group."""
    now = now or timezone.now()
    with transaction.atomic():
        # The members' orders before the group, in the order a payment takes them (mark_paid locks the
        # order, its hook then the group): a payment racing the deadline waits here instead of deadlocking.
        list(
            Order.objects.select_for_update()
            .filter(group_member__group_id=group_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        group = _locked_group(group_id)
        failed_now = group.state == Group.State.OPEN and group.expires_at <= now
        if failed_now:
            group.state, group.decided_at = Group.State.FAILED, now
            group.save(update_fields=["state", "decided_at"])
        if group.state != Group.State.FAILED:
            return False
        for member in GroupMember.objects.filter(group=group, refund_started=False).select_related("order"):
            status = member.order.status
            if status == OrderStatus.PENDING_PAYMENT:
                transition(
                    member.order_id, OrderStatus.CANCELLED, actor_kind=ActorKind.SYSTEM, reason=FAIL_REASON
                )
            elif status in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED) and _claim_refund(
                member
            ):
                refund_order(member.order_id, None, FAIL_REASON)
        return failed_now


def _claim_refund(member: GroupMember) -> bool:
    """The guarded flag makes the refund once per member whatever runs `expire` concurrently."""
    return bool(GroupMember.objects.filter(pk=member.pk, refund_started=False).update(refund_started=True))


def expire_due(now=None, limit: int = 200) -> int:
    """Fail the groups past their deadline and refund late payments into failed groups."""
    now = now or timezone.now()
    due = list(
        Group.objects.filter(state=Group.State.OPEN, expires_at__lte=now).values_list("pk", flat=True)[:limit]
    )
    late = list(
        GroupMember.objects.filter(
            group__state=Group.State.FAILED, refund_started=False, order__status=OrderStatus.PAID
        ).values_list("group_id", flat=True)[:limit]
    )
    return sum(expire(pk, now) for pk in dict.fromkeys(due + late))
