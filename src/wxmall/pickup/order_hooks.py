"""What pickup does on an order's transitions (registered in PickupConfig.ready; see `orders.hooks`).
Each runs inside the transition's transaction with the order row locked."""

from __future__ import annotations

from wxmall.core.errors import DomainError

from . import actions
from .errors import PickupError
from .models import PickupOrder


def _pickup(order) -> PickupOrder | None:
    return PickupOrder.objects.filter(order_id=order.pk).first()


def issue_code(order, from_status: str, to_status: str) -> None:
    """Paid: a pickup order gets its 核销码."""
    if (pickup := _pickup(order)) is not None:
        actions.issue_code(pickup)


def refuse_shipping(order, from_status: str, to_status: str) -> None:
    """A pickup order is handed over at the store, never shipped."""
    if _pickup(order) is not None:
        raise DomainError(PickupError.NO_SHIPPING)


def require_verification(order, from_status: str, to_status: str) -> None:
    """paid → completed exists for pickup only, and only through `actions.verify` (which marks the code
    verified just before this transition in the same transaction). A delivery order must ship first."""
    pickup = _pickup(order)
    if pickup is None:
        raise DomainError(PickupError.DELIVERY_NOT_SHIPPED)
    if pickup.verified_at is None:
        raise DomainError(PickupError.NOT_VERIFIED)


def void_code(order, from_status: str, to_status: str) -> None:
    """Refunded or cancelled: the code no longer hands anything over."""
    if (pickup := _pickup(order)) is not None:
        actions.void(pickup)
