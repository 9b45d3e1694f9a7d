"""The pickup audit trail. `record` is the only writer of `PickupEvent`; it runs inside the transaction
that changed the pickup row."""

from __future__ import annotations

from .models import PickupEvent, PickupOrder


def record(pickup: PickupOrder, kind: str, *, actor=None) -> PickupEvent:
    return PickupEvent.objects.create(
        pickup=pickup, kind=kind, actor=actor if actor is not None and getattr(actor, "pk", None) else None
    )
