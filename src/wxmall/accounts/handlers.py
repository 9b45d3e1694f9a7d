"""Outbox delivery for accounts (destination `points`): accruing a paid order's points off the payment
notification's path. Idempotent per order (the points entry is unique per order and kind)."""

from __future__ import annotations

from typing import Any

from wxmall.core.outbox import PermanentError

from . import points


def deliver(message, config: dict[str, Any]) -> None:
    if message.kind != points.EARN:
        raise PermanentError(f"unknown kind {message.kind}")
    points.accrue_for_order(str(message.payload.get("order_no", "")))
