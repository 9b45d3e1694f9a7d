"""Text fallbacks and event handlers: how another app (e.g. `wxmall.support`'s FAQ bot) answers a follower's text message
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

A fallback may also give a fast variant, `register_text_fallback(fn, fast=(answer, apply))`: on the
message server's fast path (Redis configured, see fast.py) `answer` decides from memory and Redis alone
(a `FastText`, or None to send this push down the database path, where `fn` runs as above), and `apply`
makes the writes later, in the worker that drains the spool. Without a fast variant for every
registered fallback, texts for the fallbacks always take the database path.

Event handlers: `register_event_handler("user_authorize_invoice", fn)` gets every stored push of that
event as an `InboundEvent` (all its XML fields), once, when the worker processes the push — inside the
processing transaction, after the follower bookkeeping. A handler that raises rolls the processing back
and the sweep tries again, so it must be idempotent (guarded updates) and must not call WeChat (write an
outbox row instead).
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


@dataclass(frozen=True)
class FastText:
    """A fallback's answer decided without the database (the message server's fast path): `reply` is the
    passive text (None: no answer from this fallback, the next one is asked), `note` what the fallback's
    `apply` needs later (JSON-able), spooled with the push."""

    reply: str | None
    note: dict


# answer(text) -> FastText, or None when only the database path can decide (the push then takes it);
# apply([(text, note), …]) runs in the worker once the pushes are stored, a batch at a time in the
# order they arrived, and must be idempotent (a re-drain after a crash applies the notes again).
FastAnswer = Callable[[InboundText], "FastText | None"]
FastApply = Callable[[list[tuple[InboundText, dict]]], None]


@dataclass(frozen=True)
class InboundEvent:
    appid: str
    openid: str
    event: str
    fields: dict[str, str]  # every element of the push, e.g. SuccOrderId


EventHandler = Callable[[InboundEvent], None]


class Registry:
    """Fallbacks in registration order. Written only while apps load, read on every text message."""

    def __init__(self) -> None:
        self._fallbacks: list[TextFallback] = []
        self._fast: dict[TextFallback, tuple[FastAnswer, FastApply]] = {}
        self._event_handlers: dict[str, list[EventHandler]] = {}

    def register(self, fn: TextFallback, fast: tuple[FastAnswer, FastApply] | None = None) -> TextFallback:
        if apps.ready:
            # Every process must run the same fallbacks: registering late (in a request, a task) would not.
            raise ImproperlyConfigured("register text fallbacks in AppConfig.ready(), not after start-up")
        self._fallbacks.append(fn)
        if fast is not None:
            self._fast[fn] = fast
        return fn

    def fast_variants(self) -> tuple[tuple[FastAnswer, FastApply], ...] | None:
        """Every fallback's fast variant in order, or None if one has none (then texts for the fallbacks
        always take the database path)."""
        found = tuple(self._fast.get(fn) for fn in self._fallbacks)
        return None if any(v is None for v in found) else found

    def extended(self, fn: TextFallback) -> Registry:
        """A new registry with this one's fallbacks plus `fn` last; the live one is untouched. For tests,
        which swap it in for `registry` (e.g. with pytest's monkeypatch)."""
        extended = Registry()
        extended._fallbacks = [*self._fallbacks, fn]
        extended._fast = dict(self._fast)
        extended._event_handlers = {k: list(v) for k, v in self._event_handlers.items()}
        return extended

    def all(self) -> tuple[TextFallback, ...]:
        return tuple(self._fallbacks)

    def register_event(self, event: str, fn: EventHandler) -> EventHandler:
        if apps.ready:
            raise ImproperlyConfigured("register event handlers in AppConfig.ready(), not after start-up")
        self._event_handlers.setdefault(event, []).append(fn)
        return fn

    def handlers_for(self, event: str) -> tuple[EventHandler, ...]:
        return tuple(self._event_handlers.get(event, ()))


registry = Registry()


def register_text_fallback(
    fn: Callable[[InboundText], str | None], *, fast: tuple[FastAnswer, FastApply] | None = None
) -> None:
    """`fast`: (answer, apply), the fallback split for the message server's fast path (see FastText)."""
    registry.register(fn, fast)


def fast_text_fallbacks() -> tuple[tuple[FastAnswer, FastApply], ...] | None:
    return registry.fast_variants()


def text_fallbacks() -> tuple[Callable[[InboundText], str | None], ...]:
    return registry.all()


def register_event_handler(event: str, fn: EventHandler) -> None:
    registry.register_event(event, fn)


def event_handlers(event: str) -> tuple[EventHandler, ...]:
    return registry.handlers_for(event)
