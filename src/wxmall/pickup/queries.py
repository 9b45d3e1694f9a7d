"""Read side of pickup: the stores a customer may choose, an order's pickup, and a code's lookup."""

from __future__ import annotations

import re
import unicodedata

from django.db.models import QuerySet

from wxmall.core.errors import DomainError

from .errors import PickupError
from .models import PickupOrder, PickupStore

CODE_LENGTH = 12
# What a scanner or a person types may carry spaces or dashes between groups; more than this is not a code.
CODE_INPUT_MAX = 64
_CODE = re.compile(rf"[0-9]{{{CODE_LENGTH}}}")
_SEPARATORS = re.compile(r"[\s\-]+")


def active_stores() -> QuerySet[PickupStore]:
    return PickupStore.objects.filter(active=True).order_by("id")


def active_store(store_id) -> PickupStore:
    """An active store by id; an unknown, closed or malformed id → store_not_found."""
    valid_id = isinstance(store_id, int) and not isinstance(store_id, bool)
    store = active_stores().filter(pk=store_id).first() if valid_id else None
    if store is None:
        raise DomainError(PickupError.STORE_NOT_FOUND)
    return store


def pickup_of(order) -> PickupOrder | None:
    """The order's pickup, or None for an order delivered to its address."""
    return PickupOrder.objects.filter(order_id=order.pk).first()


def pickup_order_ids(order_ids) -> set[int]:
    """Which of these orders are pickups, in one query (for order lists)."""
    return set(PickupOrder.objects.filter(order_id__in=list(order_ids)).values_list("order_id", flat=True))


def normalize_code(raw) -> str:
    """The 12 digits of a code as typed or scanned (full-width digits, spaces and dashes allowed), or
    invalid_code. The input is never echoed back."""
    if not isinstance(raw, str) or len(raw) > CODE_INPUT_MAX:
        raise DomainError(PickupError.INVALID_CODE)
    code = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if not _CODE.fullmatch(code):
        raise DomainError(PickupError.INVALID_CODE)
    return code


def pickup_for_code(raw) -> PickupOrder:
    """The pickup holding this code, with its order and lines, for staff at the counter."""
    pickup = (
        PickupOrder.objects.select_related("order", "order__user", "verified_by")
        .prefetch_related("order__lines")
        .filter(code=normalize_code(raw))
        .first()
    )
    if pickup is None:
        raise DomainError(PickupError.CODE_NOT_FOUND)
    return pickup


def recent_verifications(limit: int = 20) -> QuerySet[PickupOrder]:
    return (
        PickupOrder.objects.filter(verified_at__isnull=False)
        .select_related("order", "verified_by")
        .order_by("-verified_at")[:limit]
    )
