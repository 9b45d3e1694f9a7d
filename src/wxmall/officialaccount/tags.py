"""Follower tags. Tagging and untagging are local first (one transaction); keeping WeChat's tags in step is the
sync's job. An untagging leaves a `FollowerTagRemoval` that the sync sends before it merges memberships."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wxmall.wechat import client
from wxmall.wechat.errors import WeChatError
from wxmall.wechat.services.tags import MAX_BATCH

from . import events
from .models import Follower, FollowerEvent, FollowerTag, FollowerTagRemoval

SYSTEM_TAG_IDS = frozenset({0, 1, 2})  # WeChat's own (星标组 …): never mirrored


def tag_followers(tag: FollowerTag, followers: Iterable[Follower]) -> int:
    """Add `tag` to each follower (already tagged ones are untouched); returns how many were new."""
    through = Follower.tags.through
    followers = list(followers)
    have = set(
        through.objects.filter(followertag=tag, follower__in=followers).values_list("follower_id", flat=True)
    )
    new = [f for f in followers if f.pk not in have]
    # ignore_conflicts: a concurrent tagging of the same pair is a no-op, not an error
    through.objects.bulk_create(
        [through(follower_id=f.pk, followertag_id=tag.pk) for f in new], ignore_conflicts=True
    )
    FollowerTagRemoval.objects.filter(tag=tag, follower__in=followers).delete()  # tagged again: keep it
    for follower in new:
        events.record(follower, FollowerEvent.Kind.TAGGED, tag.name)
    return len(new)


def untag_followers(tag: FollowerTag, followers: Iterable[Follower]) -> int:
    """Take `tag` off each follower; returns how many had it. WeChat follows at the next sync."""
    through = Follower.tags.through
    followers = list(followers)
    had = set(
        through.objects.filter(followertag=tag, follower__in=followers).values_list("follower_id", flat=True)
    )
    through.objects.filter(followertag=tag, follower_id__in=had).delete()
    FollowerTagRemoval.objects.bulk_create(
        [FollowerTagRemoval(follower_id=pk, tag=tag) for pk in had], ignore_conflicts=True
    )
    for follower in followers:
        if follower.pk in had:
            events.record(follower, FollowerEvent.Kind.UNTAGGED, tag.name)
    return len(had)


@dataclass(frozen=True)
class SyncResult:
    created_on_wechat: int
    created_here: int
    pushed: int
    pulled: int
    removed_there: int = 0


def sync(appid: str) -> SyncResult:
    """Keep tags in step with WeChat both ways: local tags missing there are created there, WeChat's
    tags missing here are created here, tags taken off followers here are taken off on WeChat, then each
    tag's members become the union of both sides (pushed in batches of 50). WeChat calls happen outside any
    transaction; each local write is its own small one."""
    wx = client("oa")
    remote = {t["name"]: int(t["id"]) for t in wx.tags.list() if int(t["id"]) not in SYSTEM_TAG_IDS}
    created_there = created_here = pushed = pulled = removed_there = 0
    for tag in FollowerTag.objects.filter(wechat_id__isnull=True):
        tag_id = remote.get(tag.name)
        if tag_id is None:
            try:
                tag_id = wx.tags.create(tag.name)
            except WeChatError as exc:
                if exc.errcode != 45157:  # created meanwhile by another sync: read it back below
                    raise
                tag_id = {t["name"]: int(t["id"]) for t in wx.tags.list()}[tag.name]
            created_there += 1
        FollowerTag.objects.filter(pk=tag.pk, wechat_id__isnull=True).update(wechat_id=tag_id)
        remote[tag.name] = tag_id
    for name, tag_id in remote.items():
        _, made = FollowerTag.objects.get_or_create(name=name, defaults={"wechat_id": tag_id})
        created_here += made
    for tag in FollowerTag.objects.filter(wechat_id__isnull=False):
        removals = list(
            FollowerTagRemoval.objects.filter(tag=tag, follower__appid=appid).values_list(
                "pk", "follower__openid"
            )
        )
        for start in range(0, len(removals), MAX_BATCH):
            chunk = removals[start : start + MAX_BATCH]
            wx.tags.untag(tag.wechat_id, [openid for _, openid in chunk])
            FollowerTagRemoval.objects.filter(pk__in=[pk for pk, _ in chunk]).delete()
            removed_there += len(chunk)
        there = set(wx.tags.members(tag.wechat_id))
        here = set(Follower.objects.filter(appid=appid, tags=tag).values_list("openid", flat=True))
        missing_there = sorted(here - there)
        for start in range(0, len(missing_there), MAX_BATCH):
            wx.tags.tag(tag.wechat_id, missing_there[start : start + MAX_BATCH])
        pushed += len(missing_there)
        missing_here = there - here
        if missing_here:
            followers = []
            for openid in missing_here:
                follower, _ = Follower.objects.get_or_create(appid=appid, openid=openid)
                followers.append(follower)
            pulled += tag_followers(tag, followers)
    return SyncResult(created_there, created_here, pushed, pulled, removed_there)
