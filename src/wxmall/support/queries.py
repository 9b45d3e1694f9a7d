"""Read side of customer service."""

from __future__ import annotations

from dataclasses import dataclass

from wxmall.accounts.models import WeChatIdentity


def customer_for(appid: str, openid: str) -> int | None:
    """The shop customer an OA user is (by the WeChat identity their login left), or None if not linked."""
    return WeChatIdentity.objects.filter(appid=appid, openid=openid).values_list("user_id", flat=True).first()


def conversation_state(appid: str, openid: str) -> str | None:
    """The state of the user's conversation, None before their first message."""
    from .models import Conversation

    return Conversation.objects.filter(appid=appid, openid=openid).values_list("state", flat=True).first()


def customers_for(users: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """`customer_for` of many (appid, openid) at once: only the linked ones are in the result."""
    if not users:
        return {}
    rows = WeChatIdentity.objects.filter(
        appid__in={a for a, _ in users}, openid__in={o for _, o in users}
    ).values_list("appid", "openid", "user_id")
    wanted = set(users)
    return {(a, o): u for a, o, u in rows if (a, o) in wanted}


def inbox(state: str | None = None, limit: int = 200):
    from .models import Conversation

    conversations = Conversation.objects.select_related("agent", "customer").order_by("-updated_at")
    if state:
        conversations = conversations.filter(state=state)
    return list(conversations[:limit])


@dataclass(frozen=True)
class Metrics:
    bot_answers: int
    handoffs: int
    first_response_avg_s: float | None
    first_response_p50_s: float | None
    answered_handoffs: int
    closed: int
    resolved: int

    @property
    def bot_rate(self) -> float | None:
        total = self.bot_answers + self.handoffs
        return self.bot_answers / total if total else None

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved / self.closed if self.closed else None


def metrics(since) -> Metrics:
    """Since `since`: questions the bot answered vs handed off, human first-response time (hand-off →
    first agent reply), and resolution rate (hand-offs closed as resolved ÷ closed)."""
    from .models import Handoff, Message

    handoffs = Handoff.objects.filter(created_at__gte=since)
    waits = sorted(
        (h.first_response_at - h.created_at).total_seconds()
        for h in handoffs.filter(first_response_at__isnull=False).only("created_at", "first_response_at")
    )
    closed = Handoff.objects.filter(closed_at__gte=since)
    return Metrics(
        bot_answers=Message.objects.filter(source=Message.Source.BOT, created_at__gte=since).count(),
        handoffs=handoffs.count(),
        first_response_avg_s=sum(waits) / len(waits) if waits else None,
        first_response_p50_s=waits[len(waits) // 2] if waits else None,
        answered_handoffs=len(waits),
        closed=closed.count(),
        resolved=closed.filter(resolved=True).count(),
    )
