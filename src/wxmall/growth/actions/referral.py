"""Referral rewards (邀请有礼) in the form WeChat's rules allow (reference §3): the reward follows an invited
new customer's own first paid order, never the act of sharing, likes collected or friends pushed to act.
A campaign's copy and mechanism pass the compliance scanner (its induced-sharing lexicon) before it can
start; a blocking hit refuses the start and names the words."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from wxmall.accounts import points
from wxmall.accounts.actions import lock_customer
from wxmall.accounts.models import PointsEntry
from wxmall.checkout.models import Coupon, CouponAudience, CouponGrant, CouponRedemption, GrantSource
from wxmall.compliance.actions import check_copy
from wxmall.core.errors import DomainError
from wxmall.marketing.actions import create_link
from wxmall.marketing.models import Link
from wxmall.orders.models import Order

from ..errors import GrowthError
from ..models import CouponOutcome, Invitation, ReferralCampaign, ReferralReward

Kind = PointsEntry.Kind
POINTS_MAX = 100_000


def _reward_coupon(coupon_id: int | None) -> Coupon | None:
    """A coupon a campaign may give: from the coupons centre, active, not ended, and granted-audience (a
    public code needs no grant, so giving it would reward nothing)."""
    if not coupon_id:
        return None
    coupon = Coupon.objects.filter(pk=coupon_id).first()
    if (
        coupon is None
        or not coupon.is_active
        or coupon.ends_at <= timezone.now()
        or coupon.audience != CouponAudience.GRANTED
    ):
        raise DomainError(GrowthError.BAD_CAMPAIGN, "奖励优惠券须是启用中、未过期、仅限已领取顾客使用的券")
    return coupon


def create_campaign(
    *,
    name: str,
    copy: str,
    mechanism: str,
    inviter_points: int,
    invitee_points: int,
    inviter_coupon_id: int | None = None,
    invitee_coupon_id: int | None = None,
):
    name, copy, mechanism = name.strip(), copy.strip(), mechanism.strip()
    if not (name and copy and mechanism) or len(name) > 60 or len(copy) > 2000 or len(mechanism) > 1000:
        raise DomainError(
            GrowthError.BAD_CAMPAIGN,
            "请填写活动名称（60 字内）、文案（2000 字内）和机制说明（1000 字内）",
        )
    if not (0 <= inviter_points <= POINTS_MAX and 0 <= invitee_points <= POINTS_MAX):
        raise DomainError(GrowthError.BAD_CAMPAIGN, f"奖励积分须在 0–{POINTS_MAX} 之间")
    inviter_coupon, invitee_coupon = _reward_coupon(inviter_coupon_id), _reward_coupon(invitee_coupon_id)
    return ReferralCampaign.objects.create(
        name=name,
        copy=copy,
        mechanism=mechanism,
        inviter_points=inviter_points,
        invitee_points=invitee_points,
        inviter_coupon=inviter_coupon,
        invitee_coupon=invitee_coupon,
    )


def start_campaign(campaign_id: int) -> ReferralCampaign:
    """Scan the copy and the mechanism; refuse with the blocking hits, else move draft/stopped → running."""
    campaign = ReferralCampaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise DomainError(GrowthError.CAMPAIGN_NOT_FOUND)
    verdict = check_copy(f"{campaign.name}\n{campaign.copy}\n{campaign.mechanism}", context="campaign")
    if verdict.blocked:
        words = "、".join(dict.fromkeys(h.term for h in verdict.hits if h.severity == "block"))
        raise DomainError(
            GrowthError.CAMPAIGN_COPY_BLOCKED, f"活动文案或机制含诱导分享内容：{words}", hits=words
        )
    started = ReferralCampaign.objects.filter(
        pk=campaign.pk, state__in=[ReferralCampaign.State.DRAFT, ReferralCampaign.State.STOPPED]
    ).update(state=ReferralCampaign.State.RUNNING)
    if not started:
        raise DomainError(GrowthError.CAMPAIGN_NOT_STARTABLE)
    campaign.refresh_from_db()
    return campaign


def stop_campaign(campaign_id: int) -> bool:
    return bool(
        ReferralCampaign.objects.filter(pk=campaign_id, state=ReferralCampaign.State.RUNNING).update(
            state=ReferralCampaign.State.STOPPED
        )
    )


def invite_link(campaign: ReferralCampaign, inviter) -> Link:
    """The inviter's tracked link for the campaign (made on first use), so every visit through it is
    attributed. Serialised on the inviter's row so two first visits make one link."""
    key = {"campaign": f"referral:{campaign.pk}", "channel": "invite", "content_id": str(inviter.pk)}
    with transaction.atomic():
        lock_customer(inviter)
        found = Link.objects.filter(**key).first()
        if found is not None:
            return found
        target = settings.SITE_URL.rstrip("/") + reverse("growth:invited", args=[campaign.pk, inviter.pk])
        return create_link(target_url=target, name=campaign.name[:60], **key)


def accept(campaign_id: int, inviter, invitee) -> Invitation:
    """Record that `invitee` (a customer with no order yet) came through `inviter`'s link. The first
    inviter wins: an invitee is invited once (unique), later links change nothing."""
    campaign = ReferralCampaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise DomainError(GrowthError.CAMPAIGN_NOT_FOUND)
    if campaign.state != ReferralCampaign.State.RUNNING:
        raise DomainError(GrowthError.CAMPAIGN_NOT_RUNNING)
    if inviter.pk == invitee.pk:
        raise DomainError(GrowthError.SELF_INVITE)
    if Order.objects.filter(user=invitee).exists():
        raise DomainError(GrowthError.NOT_NEW_CUSTOMER)
    try:
        with transaction.atomic():
            return Invitation.objects.create(campaign=campaign, inviter=inviter, invitee=invitee)
    except IntegrityError:
        return Invitation.objects.get(invitee=invitee)


def reward_first_order(order: Order) -> bool:
    """Inside the order's PAID transition: reward both sides if this is the invitee's first paid order and
    the invitation has no reward yet. The OneToOne on the invitation and the points ledger's
    (order, kind, ref) uniqueness make a second claim a no-op. Returns True when it rewarded."""
    invitation = (
        Invitation.objects.select_related("campaign", "inviter").filter(invitee_id=order.user_id).first()
    )
    if invitation is None or invitation.campaign.state != ReferralCampaign.State.RUNNING:
        return False
    earlier = Order.objects.filter(user_id=order.user_id, paid_at__isnull=False).exclude(pk=order.pk)
    if earlier.exists():
        return False
    try:
        with transaction.atomic():
            reward = ReferralReward.objects.create(invitation=invitation, order=order)
    except IntegrityError:
        return False
    campaign = invitation.campaign
    reason = f"邀请有礼：{campaign.name}"[:200]
    _grant(invitation.inviter, campaign.inviter_points, order.order_no, "inviter", reason)
    _grant(order.user, campaign.invitee_points, order.order_no, "invitee", reason)
    ref = f"referral:{campaign.pk}:{invitation.pk}"
    reward.inviter_grant, reward.inviter_coupon = _grant_coupon(
        campaign.inviter_coupon, invitation.inviter_id, ref
    )
    reward.invitee_grant, reward.invitee_coupon = _grant_coupon(campaign.invitee_coupon, order.user_id, ref)
    reward.save(update_fields=["inviter_grant", "inviter_coupon", "invitee_grant", "invitee_coupon"])
    return True


def _grant_coupon(coupon: Coupon | None, user_id: int, ref: str) -> tuple[CouponGrant | None, str]:
    """Give the coupon once (the grant is unique per coupon and customer). A coupon the customer already
    holds came from elsewhere: recorded as such, so the refund never revokes what this reward did not give."""
    if coupon is None:
        return None, CouponOutcome.NONE
    if not coupon.is_active or coupon.ends_at <= timezone.now():
        return None, CouponOutcome.UNAVAILABLE
    try:
        with transaction.atomic():
            grant = CouponGrant.objects.create(
                coupon=coupon, user_id=user_id, source=GrantSource.REFERRAL, ref=ref[:64]
            )
    except IntegrityError:
        return None, CouponOutcome.ALREADY_HELD
    return grant, CouponOutcome.GRANTED


def reverse_reward(order: Order) -> bool:
    """Inside the order's REFUNDED transition (a full refund): take the reward back, once. A balance spent
    below the reward is taken down to zero rather than refused (the refund must not be blocked)."""
    reward = (
        ReferralReward.objects.select_related("invitation__campaign", "invitation__inviter")
        .filter(order=order)
        .first()
    )
    if reward is None or not ReferralReward.objects.filter(pk=reward.pk, reversed=False).update(
        reversed=True
    ):
        return False
    campaign = reward.invitation.campaign
    reason = f"邀请奖励扣回：{campaign.name}"[:200]
    _take_back(reward.invitation.inviter, campaign.inviter_points, order.order_no, "inviter", reason)
    _take_back(order.user, campaign.invitee_points, order.order_no, "invitee", reason)
    fields = []
    for side, user in (("inviter", reward.invitation.inviter), ("invitee", order.user)):
        grant = getattr(reward, f"{side}_grant")
        if getattr(reward, f"{side}_coupon") == CouponOutcome.GRANTED and grant is not None:
            setattr(reward, f"{side}_coupon", _revoke_coupon(grant, user))
            fields.append(f"{side}_coupon")
    if fields:
        reward.save(update_fields=fields)
    return True


def _revoke_coupon(grant: CouponGrant, user) -> str:
    """Take an unused rewarded coupon back; a used one is recorded as not recoverable. Under the customer's
    lock, which checkout takes before redeeming, so a checkout cannot use the coupon while it is revoked."""
    lock_customer(user)
    if CouponRedemption.objects.filter(coupon_id=grant.coupon_id, user_id=grant.user_id).exists():
        return CouponOutcome.USED
    CouponGrant.objects.filter(pk=grant.pk).delete()
    return CouponOutcome.REVOKED


def _grant(user, amount: int, order_no: str, ref: str, reason: str) -> None:
    if amount > 0:
        points.apply_for_order(user, amount, Kind.REFERRAL, order_no=order_no, ref=ref, reason=reason)


def _take_back(user, amount: int, order_no: str, ref: str, reason: str) -> None:
    amount = min(amount, points.balance_of(user))
    if amount > 0:
        points.apply_for_order(user, -amount, Kind.REFERRAL_BACK, order_no=order_no, ref=ref, reason=reason)
