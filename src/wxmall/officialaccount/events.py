"""The follower audit trail: one row per thing that happened to a follower, at most one per kind per push."""

from __future__ import annotations

from .models import Follower, FollowerEvent, InboundMessage


def record(follower: Follower, kind: str, detail: str = "", inbound: InboundMessage | None = None) -> None:
    if inbound is None:
        FollowerEvent.objects.create(follower=follower, kind=kind, detail=detail[:200])
        return
    FollowerEvent.objects.get_or_create(
        inbound=inbound, kind=kind, defaults={"follower": follower, "detail": detail[:200]}
    )
