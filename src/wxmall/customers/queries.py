"""Read side of customers: who counts as a customer, how they are named on screen, search, the
profile, and the members of a segment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from wxmall.accounts.models import Address, PointsEntry, User, WeChatIdentity
from wxmall.accounts.phones import normalize, phone_hash
from wxmall.checkout.models import CouponGrant, CouponRedemption
from wxmall.core.errors import DomainError
from wxmall.core.masking import mask_phone
from wxmall.members_import.models import CustomerTag
from wxmall.officialaccount.models import Follower, FollowerTag
from wxmall.orders.models import Order
from wxmall.orders.state import PAID_STATUSES

from .errors import CustomerError
from .models import Segment

MAX_QUERY = 40
PROFILE_ROWS = 20
_ID_QUERY = ("顾客#", "#")


def display_name(user: User) -> str:
    """What staff see for a customer, never a login name like `wx-2d6fb…`: nickname, else the masked
    phone number, else 顾客#id."""
    if user.nickname:
        return user.nickname
    if user.phone:
        return mask_phone(user.phone)
    return f"顾客#{user.pk}"


def _paid_orders():
    return Order.objects.filter(user=OuterRef("pk"), status__in=PAID_STATUSES).order_by().values("user")


def customers() -> QuerySet[User]:
    """Every customer (staff are not customers), with `order_count`, `spend` (fen) and `last_order_at`
    over their paid, not refunded orders."""
    paid = _paid_orders()
    return (
        User.objects.filter(is_staff=False)
        .annotate(
            order_count=Coalesce(
                Subquery(paid.annotate(n=Count("id")).values("n")), Value(0), output_field=IntegerField()
            ),
            spend=Coalesce(Subquery(paid.annotate(s=Sum("total")).values("s")), Value(0)),
            last_order_at=Subquery(paid.annotate(m=Max("paid_at")).values("m")),
        )
        .order_by("-id")
    )


def search(query: str) -> QuerySet[User]:
    """Customers matching `query`: part of a nickname or name, a whole phone number (through its lookup
    hash: numbers are encrypted), an openid, or 顾客#id. Over-long queries match nothing."""
    rows = customers()
    query = (query or "").strip()
    if not query:
        return rows
    if len(query) > MAX_QUERY:
        return rows.none()
    match = Q(nickname__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
    match |= Q(wechat_identities__nickname__icontains=query) | Q(wechat_identities__openid=query)
    phone = normalize(query)
    if phone:
        match |= Q(phone_hash=phone_hash(phone))
    for prefix in _ID_QUERY:
        if query.startswith(prefix) and query[len(prefix) :].isdigit():
            match |= Q(pk=int(query[len(prefix) :]))
    return rows.filter(match).distinct()


@dataclass
class Profile:
    customer: User
    name: str
    identities: list[WeChatIdentity]
    addresses: list[Address]
    orders: list[Order]
    points: list[PointsEntry]
    grants: list[CouponGrant]
    redemptions: list[CouponRedemption]
    tags: list[str]


def profile(customer_id: int) -> Profile:
    customer = customers().filter(pk=customer_id).select_related("member__level").first()
    if customer is None:
        raise DomainError(CustomerError.CUSTOMER_NOT_FOUND)
    return Profile(
        customer=customer,
        name=display_name(customer),
        identities=list(WeChatIdentity.objects.filter(user=customer).order_by("id")),
        addresses=list(Address.objects.filter(user=customer)),
        orders=list(Order.objects.filter(user=customer).order_by("-created_at")[:PROFILE_ROWS]),
        points=list(PointsEntry.objects.filter(user=customer).order_by("-created_at", "-id")[:PROFILE_ROWS]),
        grants=list(CouponGrant.objects.filter(user=customer).select_related("coupon")[:PROFILE_ROWS]),
        redemptions=list(
            CouponRedemption.objects.filter(user=customer).select_related("coupon", "order")[:PROFILE_ROWS]
        ),
        tags=tags_of(customer),
    )


def tags_of(customer: User) -> list[str]:
    """The customer's own tags and their Official Account tags, by name."""
    own = CustomerTag.objects.filter(user=customer).values_list("name", flat=True)
    oa = FollowerTag.objects.filter(followers__customer=customer).values_list("name", flat=True)
    return sorted(set(own) | set(oa))


def known_tags() -> list[str]:
    """Every tag name in use, for the segment form's hints."""
    own = CustomerTag.objects.values_list("name", flat=True).distinct()
    return sorted(set(own) | set(FollowerTag.objects.values_list("name", flat=True)))[:200]


def segment_members(segment: Segment, *, now=None) -> QuerySet[User]:
    """The active customers matching every condition of `segment` right now."""
    now = now or timezone.now()
    rows = customers().filter(is_active=True)
    if segment.tags:
        tagged = Q(tags__name__in=segment.tags) | Q(oa_followers__tags__name__in=segment.tags)
        rows = rows.filter(pk__in=User.objects.filter(tagged).values("pk"))
    if segment.min_spend is not None:
        rows = rows.filter(spend__gte=segment.min_spend)
    if segment.max_spend is not None:
        rows = rows.filter(spend__lte=segment.max_spend)
    if segment.min_orders is not None:
        rows = rows.filter(order_count__gte=segment.min_orders)
    if segment.max_orders is not None:
        rows = rows.filter(order_count__lte=segment.max_orders)
    if segment.ordered_within_days is not None:
        rows = rows.filter(last_order_at__gte=now - timedelta(days=segment.ordered_within_days))
    if segment.idle_for_days is not None:
        cutoff = now - timedelta(days=segment.idle_for_days)
        rows = rows.filter(Q(last_order_at__lt=cutoff) | Q(last_order_at__isnull=True))
    if segment.source:
        rows = rows.filter(member__source=segment.source)
    if segment.level_id is not None:
        rows = rows.filter(member__level_id=segment.level_id)
    return rows


def segments_with_sizes() -> list[tuple[Segment, int]]:
    return [(s, segment_members(s).count()) for s in Segment.objects.select_related("level")]


@dataclass(frozen=True)
class MessagePreview:
    """Who a mass send to the segment reaches: members following the Official Account; the rest skipped."""

    members: int
    followers: int

    @property
    def skipped(self) -> int:
        return self.members - self.followers


def segment_followers(segment: Segment, appid: str) -> QuerySet:
    """The segment's members' followers of the Official Account `appid` who follow it now."""
    members = segment_members(segment).values("pk")
    return Follower.objects.filter(appid=appid, subscribed=True, customer__in=members)


def message_preview(segment: Segment, appid: str) -> MessagePreview:
    followers = segment_followers(segment, appid).values("customer").distinct().count()
    return MessagePreview(members=segment_members(segment).count(), followers=followers)
