"""Topic challenges (#挑战话题赛): a participant who posted under the topic claims the reward coupon in
the shop, once each — the unique (challenge, user) row decides, so two taps at once give one coupon."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

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
    try:
        with transaction.atomic():
            return ChallengeClaim.objects.create(challenge=challenge, user=user, post_id=post_id)
    except IntegrityError:
        raise DomainError(ChannelsError.COUPON_TAKEN) from None
