"""Audience feedback (视频号用户画像反哺小店精准营销): a buyer from Channels is tagged on the Official
Account by the account, the live session and the video that sold to them, so marketing can message
those segments. Tagging is local (officialaccount's tags); the OA tag sync mirrors it to WeChat."""

from __future__ import annotations

from django.utils import timezone

from ..models import Attribution

MAX_TAG = 30  # WeChat's tag-name limit


def tag_names(attribution: Attribution) -> list[str]:
    names = []
    if attribution.finder_id:
        names.append(f"视频号:{attribution.finder_id}")
    if attribution.live_id:
        names.append(f"直播:{attribution.live.title}")
    if attribution.video_id:
        names.append(f"视频:{attribution.video.title}")
    return [n[:MAX_TAG] for n in names]


def tag_buyer(attribution: Attribution) -> int:
    """Tag the order's buyer (their OA follower records) once per attribution; returns tags added."""
    from wxmall.officialaccount.models import Follower, FollowerTag
    from wxmall.officialaccount.tags import tag_followers

    if attribution.tagged_at is not None:
        return 0
    followers = list(Follower.objects.filter(customer_id=attribution.order.user_id))
    added = 0
    if followers:
        for name in tag_names(attribution):
            tag, _ = FollowerTag.objects.get_or_create(name=name)
            added += tag_followers(tag, followers)
    Attribution.objects.filter(pk=attribution.pk, tagged_at__isnull=True).update(tagged_at=timezone.now())
    return added
