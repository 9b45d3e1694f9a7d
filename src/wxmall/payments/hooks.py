"""Refund hooks: how another app acts on a successful refund without `payments` importing it (e.g.
invoicing reverses the invoice of a refunded order and issues one for what remains).

Register from your app's `AppConfig.ready()`:

    from wxmall.payments import hooks
    hooks.register_refund_succeeded(reversals.on_refund_succeeded)

A hook is `callback(refund) -> None`, called once per refund when it becomes SUCCESS (a replayed
notification does not call it again), inside the transaction that records the success, after the order's
own move (a full refund's order is already `refunded`). What it writes commits with the refund; work for
another system is an outbox row written there. A hook that raises rolls the refund's application back
(the notification is then retried), so hooks must not fail on ordinary data.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

RefundHook = Callable[[object], None]


class Registry:
    def __init__(self) -> None:
        self._refund_succeeded: list[RefundHook] = []

    def register_refund_succeeded(self, fn: RefundHook) -> RefundHook:
        if apps.ready:
            raise ImproperlyConfigured("register refund hooks in AppConfig.ready(), not after start-up")
        self._refund_succeeded.append(fn)
        return fn

    def refund_succeeded(self, refund) -> None:
        for fn in self._refund_succeeded:
            fn(refund)


registry = Registry()
register_refund_succeeded = registry.register_refund_succeeded
