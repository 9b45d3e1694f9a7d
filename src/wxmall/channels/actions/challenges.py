"""Topic challenges (#挑战话题赛): a participant who posted under the topic claims the reward coupon in
the shop, once each — the unique (challenge, user) row decides, so two taps at once give one coupon.

The claim and the coupon grant (`CouponGrant`, ref "challenge:<id>") are one transaction: a claim
without its coupon, or a coupon without its claim, cannot exist. A customer who already holds the
coupon from elsewhere keeps that grant (the grant is unique per coupon and customer); the claim is
still theirs, but the campaign's "granted" figure counts only what the challenge gave."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from wxmall.checkout.actions.coupons import grant_to
from wxmall.checkout.models import GrantSource
from wxmall.core.errors import DomainError

from ..errors import ChannelsError
from ..models import ChallengeClaim, TopicChallenge


def create(*, topic: str, coupon_id: int, starts_at: datetime, ends_at: datetime) -> TopicChallenge:
    topic = (topic or "").strip().lstrip("#")
    if not topic or len(topic) > 40 or ends_at <= starts_at:
        raise DomainError(ChannelsError.ENTRY_INVALID)
    return TopicChallenge.objects.create(
        topic=topic, coupon_id=coupon_id, starts_at=starts_at, ends_at=ends_at
    )


def grant_ref(challenge_id: int) -> str:
    """The `CouponGrant.ref` of a challenge's rewards (what its campaign figures count)."""
    return f"challenge:{challenge_id}"


def claim(challenge_id: int, user, post_id: str, *, now: datetime | None = None) -> ChallengeClaim:
    """The reward for `user`'s post `post_id` under the topic. A second claim is refused (COUPON_TAKEN)."""
    now = now or timezone.now()
    post_id = (post_id or "").strip()
    challenge = TopicChallenge.objects.filter(pk=challenge_id).select_related("coupon").first()
    if challenge is None:
        raise DomainError(ChannelsError.CHALLENGE_UNKNOWN)
    if not challenge.starts_at <= now < challenge.ends_at:
        raise DomainError(ChannelsError.CHALLENGE_CLOSED)
    if not post_id or len(post_id) > 128:
        raise DomainError(ChannelsError.CHALLENGE_NO_POST)
    coupon = challenge.coupon
    if not coupon.is_active or not coupon.starts_at <= now < coupon.ends_at:
        raise DomainError(ChannelsError.CHALLENGE_REWARD_GONE)
    try:
        with transaction.atomic():
            claimed = ChallengeClaim.objects.create(challenge=challenge, user=user, post_id=post_id)
            grant_to(coupon, [user.pk], source=GrantSource.CLAIM, ref=grant_ref(challenge.pk))
            return claimed
    except IntegrityError:
        raise DomainError(ChannelsError.COUPON_TAKEN) from None
