"""How many customer-service messages the hub may still send a follower, and until when.

WeChat's rule (reference wechat-kf-security-shipping.md §2) is per user action, each window independent:
a message from the user allows 5 in 48 h; a follow, a parametric-QR scan, or a click on a click /
scancode_push / scancode_waitmsg menu button allows 3 in 1 minute. WeChat does not tell the developer
what is left, so the hub works it out from the pushes it stored (officialaccount's InboundMessage) and
the custom/send rows it queued itself (the outbox). It is an estimate: which window WeChat charges a send
to is unconfirmed, so every send since a window opened counts against it. WeChat's own 45015/45047 stay
the final word (the outbox row then dead-letters with the code, shown in the console).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from wxmall.core.models import OutboxMessage, OutboxStatus
from wxmall.officialaccount.models import InboundMessage

# kind → (messages, window)
RULES = {
    "message": (5, timedelta(hours=48)),
    "menu": (3, timedelta(minutes=1)),
    "subscribe": (3, timedelta(minutes=1)),
    "scan": (3, timedelta(minutes=1)),
}
MENU_EVENTS = ("CLICK", "scancode_push", "scancode_waitmsg")
KIND_LABELS = {"message": "用户发消息", "menu": "点击菜单", "subscribe": "关注", "scan": "扫码"}


@dataclass(frozen=True)
class Window:
    kind: str  # the window the next send would use; "" when none is open
    remaining: int
    expires_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.expires_at is not None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, "")


def _opened(appid: str, openid: str, since: datetime) -> dict[str, datetime]:
    pushes = InboundMessage.objects.filter(appid=appid, openid=openid, received_at__gte=since)
    found = pushes.aggregate(
        message=Max("received_at", filter=~Q(msg_type="event")),
        menu=Max("received_at", filter=Q(msg_type="event", event__in=MENU_EVENTS)),
        subscribe=Max(
            "received_at",
            filter=Q(msg_type="event", event="subscribe") & ~Q(event_key__startswith="qrscene_"),
        ),
        scan=Max(
            "received_at",
            filter=Q(msg_type="event", event="SCAN")
            | Q(msg_type="event", event="subscribe", event_key__startswith="qrscene_"),
        ),
    )
    unfollowed = pushes.filter(msg_type="event", event="unsubscribe").aggregate(at=Max("received_at"))["at"]
    return {k: at for k, at in found.items() if at is not None and (unfollowed is None or at > unfollowed)}


def _sent_since(openid: str, since: datetime) -> int:
    return (
        OutboxMessage.objects.filter(
            kind="message.custom_send", created_at__gte=since, payload__body__touser=openid
        )
        .exclude(status__in=[OutboxStatus.DEAD, OutboxStatus.DISCARDED])
        .count()
    )


def window_for(appid: str, openid: str, *, now: datetime | None = None) -> Window:
    now = now or timezone.now()
    longest = max(span for _, span in RULES.values())
    best = Window("", 0, None)
    for kind, at in _opened(appid, openid, now - longest).items():
        allowed, span = RULES[kind]
        if at + span <= now:
            continue
        remaining = max(0, allowed - _sent_since(openid, at))
        candidate = Window(kind, remaining, at + span)
        if (candidate.remaining, candidate.expires_at) > (best.remaining, best.expires_at or now):
            best = candidate
    return best
