"""In-transaction hooks on order transitions: how other apps act on an order's change without `orders`
importing them (orders stays below checkout, payments, … in the dependency graph).

Register from your app's `AppConfig.ready()`; registration closes once Django's app registry is ready:

    class PaymentsConfig(AppConfig):
        def ready(self) -> None:
            from wxmall.orders import hooks
            from wxmall.orders.state import OrderStatus

            from . import order_hooks

            hooks.register(order_hooks.close_wechat_order, to=OrderStatus.CANCELLED)
            hooks.register(order_hooks.start_refund, to=OrderStatus.REFUNDED)

A hook is `callback(order, from_status, to_status) -> None`. It runs inside the transaction that moves
the order, after the guarded status UPDATE (so `order.status` is already `to_status` and the row is
locked) and before the order event is recorded, in registration order (INSTALLED_APPS order, then the
order of `register` calls within one `ready()`). What a hook writes commits or rolls back with the
transition; a hook that raises (e.g. `DomainError`) refuses the whole transition. A hook must not wait on
another system: work that must reach one is an outbox row (`wxmall.core.outbox.enqueue`), written here,
in the same transaction.

`to` (and optionally `from_`) narrow the moves a hook sees: a status, or several. Anything finer (e.g.
"refunded before shipping") the hook checks itself on `order` (`order.refund_from_status`, …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

Hook = Callable[[object, str, str], None]  # (order, from_status, to_status)


@dataclass(frozen=True)
class _Registered:
    callback: Hook
    to: frozenset[str]
    from_: frozenset[str] | None  # None: from any status

    def matches(self, from_status: str, to_status: str) -> bool:
        return to_status in self.to and (self.from_ is None or from_status in self.from_)


def _statuses(value: str | Iterable[str]) -> frozenset[str]:
    statuses = frozenset([value] if isinstance(value, str) else value)
    if not statuses:
        raise ImproperlyConfigured("an order hook needs at least one status")
    return statuses


def _optional(value: str | Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else _statuses(value)


class Registry:
    """Hooks in registration order. Written only while apps load, read on every transition."""

    def __init__(self) -> None:
        self._hooks: list[_Registered] = []

    def register(
        self, callback: Hook, *, to: str | Iterable[str], from_: str | Iterable[str] | None = None
    ) -> Hook:
        if apps.ready:
            # Every process must run the same hooks: registering late (in a request, a task) would not.
            raise ImproperlyConfigured("register order hooks in AppConfig.ready(), not after start-up")
        from .state import OrderStatus

        entry = _Registered(callback, _statuses(to), _optional(from_))
        unknown = (entry.to | (entry.from_ or frozenset())) - set(OrderStatus.values)
        if unknown:
            raise ImproperlyConfigured(f"unknown order statuses in hook registration: {sorted(unknown)}")
        self._hooks.append(entry)
        return callback

    def extended(
        self, callback: Hook, *, to: str | Iterable[str], from_: str | Iterable[str] | None = None
    ) -> Registry:
        """A new registry with this one's hooks plus `callback` last; the live registry is untouched.
        For tests, which swap it in for `registry` (e.g. with pytest's monkeypatch)."""
        extended = Registry()
        extended._hooks = [*self._hooks, _Registered(callback, _statuses(to), _optional(from_))]
        return extended

    def for_move(self, from_status: str, to_status: str) -> list[Hook]:
        return [entry.callback for entry in self._hooks if entry.matches(from_status, to_status)]

    def run(self, order, from_status: str, to_status: str) -> None:
        for callback in self.for_move(from_status, to_status):
            callback(order, from_status, to_status)


registry = Registry()
register = registry.register
