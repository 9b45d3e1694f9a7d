"""Read side of the Official Account pages."""

from __future__ import annotations

from django.db.models import Count, Q

from .models import Attribution, Follower, InboundMessage, ReplyRule, SceneCode


def overview() -> dict:
    followers = Follower.objects.aggregate(
        total=Count("id"), subscribed=Count("id", filter=Q(subscribed=True)), members=Count("customer")
    )
    return {
        "followers": followers,
        "pending": InboundMessage.objects.filter(processed_at__isnull=True).count(),
        "rules": list(ReplyRule.objects.order_by("trigger", "priority", "id")[:200]),
        "codes": list(
            SceneCode.objects.select_related("tag")
            .annotate(
                follows=Count("attribution", filter=Q(attribution__subscribed=True)),
                scans=Count("attribution"),
            )
            .order_by("-created_at")[:200]
        ),
        "recent": list(InboundMessage.objects.order_by("-received_at", "-id")[:20]),
    }


def attributions_of(code: SceneCode) -> int:
    return Attribution.objects.filter(code=code).count()
