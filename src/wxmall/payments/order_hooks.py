"""What payments does when an order changes (registered in PaymentsConfig.ready)."""

from __future__ import annotations

from . import actions


def close_wechat_orders(order, from_status: str, to_status: str) -> None:
    """An order cancelled (timeout, customer, staff): its pending attempts are closed on WeChat through
    the outbox, in the cancelling transaction. A payment that still lands is refunded by
    `actions.apply_transaction`."""
    actions.close_pending_for(order)
