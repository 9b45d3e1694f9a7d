"""Text fallbacks: how another app (e.g. `wxmall.support`'s FAQ bot) answers a follower's text message
that no keyword rule answered, without `officialaccount` importing it.

Register from your app's `AppConfig.ready()`; registration closes once Django's app registry is ready:

    class SupportConfig(AppConfig):
        def ready(self) -> None:
            from wxmall.officialaccount import hooks

            from . import bot

            hooks.register_text_fallback(bot.answer_text)

The message server calls the fallbacks in registration order with an `InboundText`; the first one that
returns a string gives the passive text reply, and if all return None the server answers `success`.
A fallback runs inside the request WeChat waits on (5 s for the whole answer), so it must be fast: slow
work (a human hand-off, a WeCom transfer) is queued (Celery task or outbox row) and the fallback returns
None or a short holding reply. A fallback that raises is logged and skipped, never the whole answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class InboundText:
    appid: str
    openid: str
    text: str
    msg_id: int
    received_at: datetime


TextFallback = Callable[[InboundText], "str | None"]


class Registry:
    """Fallbacks in registration order. Written only while apps load, read on every text message."""

    def __init__(self) -> None:
        self._fallbacks: list[TextFallback] = []

    def register(self, fn: TextFallback) -> TextFallback:
        if apps.ready:
            # Every process must run the same fallbacks: registering late (in a request, a task) would not.
            raise ImproperlyConfigured("register text fallbacks in AppConfig.ready(), not after start-up")
        self._fallbacks.append(fn)
        return fn

    def extended(self, fn: TextFallback) -> Registry:
        """A new registry with this one's fallbacks plus `fn` last; the live one is untouched. For tests,
        which swap it in for `registry` (e.g. with pytest's monkeypatch)."""
        extended = Registry()
        extended._fallbacks = [*self._fallbacks, fn]
        return extended

    def all(self) -> tuple[TextFallback, ...]:
        return tuple(self._fallbacks)


registry = Registry()


def register_text_fallback(fn: Callable[[InboundText], str | None]) -> None:
    registry.register(fn)


def text_fallbacks() -> tuple[Callable[[InboundText], str | None], ...]:
    return registry.all()
