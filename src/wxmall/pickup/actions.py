"""Pickup state changes, each in the caller's or its own transaction.

Lock order, as everywhere an order changes: the order row first (`select_for_update`), then the pickup
row (a guarded UPDATE). Payment, refund and verification all take them in that order, so they never
deadlock on PostgreSQL."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from wxmall.core.errors import DomainError
from wxmall.orders import actions as order_actions
from wxmall.orders.models import Order
from wxmall.orders.state import ActorKind, OrderStatus

from . import events, queries
from .errors import PickupError
from .models import PickupEventKind, PickupOrder, PickupStore

CODE_ATTEMPTS = 5
VERIFY_PERMISSION = "pickup.verify_pickup"


def attach(order: Order, store: PickupStore) -> PickupOrder:
    """Make `order` (being placed, in the caller's transaction) a pickup at `store`, with the store's
    details copied as the customer saw them."""
    return PickupOrder.objects.create(
        order=order,
        store=store,
        store_name=store.name,
        store_address=store.address,
        store_hours=store.hours,
        store_phone=store.phone,
    )


def new_code() -> str:
    """12 random digits from the OS's CSPRNG: 10^12 codes, so guessing one is hopeless."""
    return f"{secrets.randbelow(10**queries.CODE_LENGTH):0{queries.CODE_LENGTH}d}"


def issue_code(pickup: PickupOrder) -> PickupOrder:
    """Give a paid pickup its code, once (a pickup that already has one keeps it: a refund request
    that staff reject returns the order to paid). A cancelled order revived by a late payment
    (`orders.actions.revive_paid`) was voided without ever having a code: it gets one and is live again.
    A clash with an existing code (one in 10^12 per code) is retried under a savepoint with a fresh
    one; the unique index decides."""
    if pickup.code:
        return pickup
    now = timezone.now()
    for attempt in range(CODE_ATTEMPTS):
        code = new_code()
        try:
            with transaction.atomic():
                issued = PickupOrder.objects.filter(pk=pickup.pk, code__isnull=True).update(
                    code=code, code_issued_at=now, voided_at=None
                )
        except IntegrityError:
            if attempt == CODE_ATTEMPTS - 1:
                raise
            continue
        if issued:
            pickup.code, pickup.code_issued_at, pickup.voided_at = code, now, None
            events.record(pickup, PickupEventKind.ISSUED)
        else:
            pickup.refresh_from_db()
        return pickup
    raise AssertionError("unreachable")


def void(pickup: PickupOrder) -> bool:
    """Void an unverified code (its order was refunded or cancelled); True if this call voided it."""
    now = timezone.now()
    voided = PickupOrder.objects.filter(
        pk=pickup.pk, verified_at__isnull=True, voided_at__isnull=True
    ).update(voided_at=now)
    if voided:
        pickup.voided_at = now
        events.record(pickup, PickupEventKind.VOIDED)
    return bool(voided)


def may_verify(user) -> bool:
    return bool(user and not isinstance(user, AnonymousUser) and user.is_active and user.is_staff) and (
        user.has_perm(VERIFY_PERMISSION)
    )


def verify(raw_code, staff) -> PickupOrder:
    """Staff at the counter hand over a paid pickup order: the code is marked verified by `staff`, now,
    and the order moves to completed, in one transaction. Exactly once: the guarded UPDATE
    (`verified_at IS NULL AND voided_at IS NULL`) lets one verification win; every other — repeated or
    concurrent — is refused with code_used. A voided code (refunded/cancelled order) → code_voided; an
    order whose refund is being decided → not_verifiable. Nothing changes on a refusal."""
    if not may_verify(staff):
        raise DomainError(PickupError.NOT_PERMITTED)
    code = queries.normalize_code(raw_code)
    with transaction.atomic():
        order_id = PickupOrder.objects.filter(code=code).values_list("order_id", flat=True).first()
        if order_id is None:
            raise DomainError(PickupError.CODE_NOT_FOUND)
        order = Order.objects.select_for_update().get(pk=order_id)
        now = timezone.now()
        won = PickupOrder.objects.filter(code=code, verified_at__isnull=True, voided_at__isnull=True).update(
            verified_at=now, verified_by=staff
        )
        pickup = PickupOrder.objects.get(code=code)
        if not won:
            raise DomainError(PickupError.CODE_USED if pickup.verified_at else PickupError.CODE_VOIDED)
        if order.status != OrderStatus.PAID:
            raise DomainError(PickupError.NOT_VERIFIABLE)  # rolls the UPDATE back
        pickup.order = order_actions.transition(
            order.pk,
            OrderStatus.COMPLETED,
            actor=staff,
            actor_kind=ActorKind.STAFF,
            reason=f"门店自提核销（{pickup.store_name}）",
        )
        events.record(pickup, PickupEventKind.VERIFIED, actor=staff)
    return pickup
