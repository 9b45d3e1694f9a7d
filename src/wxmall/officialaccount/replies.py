"""Choosing and rendering the passive reply to a push (reference §2.5), inside WeChat's 5 s.

Order for a text message: the keyword rules (rules.py), then the registered text fallbacks
(hooks.py, e.g. the FAQ bot), first answer wins. A subscribe gets the welcome rule. Anything else, and
a text nobody answers, gets `success` (an empty string here).
"""

from __future__ import annotations

import logging

from . import hooks, render, rules
from .models import InboundMessage

logger = logging.getLogger(__name__)


def _fallback_text(inbound: InboundMessage) -> str | None:
    message = hooks.InboundText(
        appid=inbound.appid,
        openid=inbound.openid,
        text=inbound.content,
        msg_id=inbound.msg_id or 0,
        received_at=inbound.received_at,
    )
    for fallback in hooks.text_fallbacks():
        try:
            answer = fallback(message)
        except Exception:  # a broken fallback must not cost the user their answer from the next one
            logger.exception("OA text fallback %s failed", getattr(fallback, "__qualname__", fallback))
            continue
        if answer is not None:
            return answer
    return None


def rule_reply(inbound: InboundMessage) -> str:
    """The reply a rule gives (no side effects: safe to compute before the push is known to be new)."""
    if inbound.msg_type == "event":
        if inbound.event == "unsubscribe":
            return ""  # replies to an unfollow reach nobody
        rule = rules.event_rule(inbound)
        return rule.render(inbound) if rule else ""
    if inbound.msg_type != "text":
        return ""
    rule = rules.match_text(inbound.appid, inbound.content)
    return rule.render(inbound) if rule is not None else ""


def fallback_reply(inbound: InboundMessage) -> str:
    """The text fallbacks' reply to a text no rule answered (they may queue work: call once per push)."""
    if inbound.msg_type != "text":
        return ""
    fallback = _fallback_text(inbound)
    return render.text(inbound, fallback) if fallback else ""


def answer(inbound: InboundMessage) -> str:
    """The passive reply XML for `inbound`, or "" for `success`."""
    return rule_reply(inbound) or fallback_reply(inbound)
