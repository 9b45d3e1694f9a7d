"""Follower tags. Tagging is local first (one transaction); keeping WeChat's tags in step is the sync's job."""

from __future__ import annotations

from collections.abc import Iterable

from . import events
from .models import Follower, FollowerEvent, FollowerTag


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
    for follower in new:
        events.record(follower, FollowerEvent.Kind.TAGGED, tag.name)
    return len(new)
