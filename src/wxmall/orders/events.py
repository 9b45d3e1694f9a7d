"""The order audit trail, and the merchant's copy of it.

`record` is the only writer of status changes in `OrderEvent`; `note` adds an entry that changes no status
(a partial refund), without a webhook message. It runs inside the transaction that changes the order and,
in that same transaction, puts an `order.status_changed` message in the outbox for the merchant's own
systems (`merchant_webhook`; nothing is written when no webhook URL is configured). The outbox key is
`order-status:{order_no}:{event_id}`, so the receiver can de-duplicate the relay's at-least-once
deliveries."""

from __future__ import annotations

from wxmall.core.outbox import enqueue

from .models import Order, OrderEvent

MERCHANT_DESTINATION = "merchant_webhook"
STATUS_CHANGED = "order.status_changed"


def record(
    order: Order, from_status: str, to_status: str, *, actor=None, actor_kind: str, reason: str = ""
) -> OrderEvent:
    """Write the event for a status change of `order` (already saved with `to_status`), plus its outbox
    message. `from_status` is "" when the order has just been placed. Must run inside the transaction
    that made the change."""
    event = OrderEvent.objects.create(
        order=order,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_kind=actor_kind,
        reason=reason[:200],
    )
    _notify(order, event)
    return event


def record_placed(orders: list[Order], *, actor_kind: str, reason: str = "") -> list[OrderEvent]:
    """`record` for many orders just placed (from "" to their status), the customer being each one's
    actor: one INSERT for the events, then each event's outbox message exactly as `record` writes it."""
    rows = OrderEvent.objects.bulk_create(
        [
            OrderEvent(
                order=order,
                from_status="",
                to_status=order.status,
                actor_id=order.user_id,
                actor_kind=actor_kind,
                reason=reason[:200],
            )
            for order in orders
        ]
    )
    for order, event in zip(orders, rows, strict=True):
        _notify(order, event)
    return rows


def _notify(order: Order, event: OrderEvent) -> None:
    enqueue(
        MERCHANT_DESTINATION,
        STATUS_CHANGED,
        {
            "order_no": order.order_no,
            "from": event.from_status or None,
            "to": event.to_status,
            "at": event.created_at.isoformat(),
            "total": order.total,
        },
        key=f"order-status:{order.order_no}:{event.pk}",
    )


def note(order: Order, reason: str, *, actor=None, actor_kind: str) -> OrderEvent:
    """An entry in the order's trail that leaves its status as it is (from = to = the current status)."""
    return OrderEvent.objects.create(
        order=order,
        from_status=order.status,
        to_status=order.status,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_kind=actor_kind,
        reason=reason[:200],
    )
