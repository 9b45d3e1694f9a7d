"""The coupons centre's side of coupons: creating one, and putting it in customers' hands: issuing to
a list of customers (a segment, by a background job), the new-customer gift, and claiming on a coupon's
claim page. A customer holds a coupon at most
once: the unique (coupon, user) constraint decides, never a prior read. Claim stock is a guarded UPDATE
(`claimed_count < claim_quota`), taken in the same transaction as the grant it pays for."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from wxmall.accounts.actions import IMPORTED_USERNAME_PREFIX
from wxmall.audit.actions import record
from wxmall.core.errors import DomainError

from ..errors import CheckoutError
from ..models import Coupon, CouponGrant, GrantSource

BATCH = 500
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read out and typed


def create_coupon(*, staff, request=None, **fields) -> Coupon:
    """A new coupon from the centre's form (amounts in fen), with a generated code when none is given
    and a claim link when it has claim stock. Audited."""
    code = (fields.pop("code", "") or "").strip().upper()
    code = code or "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    token = secrets.token_urlsafe(12) if fields.get("claim_quota") else None
    try:
        with transaction.atomic():
            coupon = Coupon.objects.create(code=code, claim_token=token, **fields)
            record(
                staff,
                "coupon.create",
                coupon,
                f"新建优惠券「{coupon.name}」：{coupon.describe}",
                request=request,
            )
    except IntegrityError:
        raise DomainError(CheckoutError.COUPON_CODE_TAKEN) from None
    return coupon


def grant_to(coupon: Coupon, user_ids: Iterable[int], *, source: str, ref: str = "") -> int:
    """Give `coupon` to each customer who does not hold it yet; returns how many got it now. Safe to run
    again (a retried job) or concurrently: existing holders are skipped by the unique constraint."""
    granted = 0
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with transaction.atomic():
            before = CouponGrant.objects.filter(coupon=coupon, user_id__in=chunk).count()
            CouponGrant.objects.bulk_create(
                [CouponGrant(coupon=coupon, user_id=pk, source=source, ref=ref) for pk in chunk],
                ignore_conflicts=True,
            )
            granted += CouponGrant.objects.filter(coupon=coupon, user_id__in=chunk).count() - before
    return granted


def grant_new_customer(user) -> int:
    """The new-customer gift: every active, current coupon marked for new customers. Runs inside the
    transaction that created the customer (a post_save receiver), so both happen or neither."""
    if user.is_staff or user.username.startswith(IMPORTED_USERNAME_PREFIX):
        return 0  # staff are not customers; imported members were customers before the shop went online
    now = timezone.now()
    coupons = Coupon.objects.filter(
        for_new_customers=True, is_active=True, starts_at__lte=now, ends_at__gt=now
    )
    rows = [CouponGrant(coupon=c, user=user, source=GrantSource.NEW_CUSTOMER) for c in coupons]
    return len(CouponGrant.objects.bulk_create(rows, ignore_conflicts=True))


def claim(token: str, user) -> CouponGrant:
    """The customer takes one coupon from the claim page `token`: once per customer, while stock lasts.
    Raises DomainError (nothing written) when the page is unknown or over, already claimed, or empty."""
    if not token:
        raise DomainError(CheckoutError.COUPON_NOT_CLAIMABLE)
    now = timezone.now()
    with transaction.atomic():
        coupon = Coupon.objects.filter(
            claim_token=token, claim_quota__isnull=False, is_active=True, ends_at__gt=now
        ).first()
        if coupon is None:
            raise DomainError(CheckoutError.COUPON_NOT_CLAIMABLE)
        try:
            with transaction.atomic():
                grant = CouponGrant.objects.create(coupon=coupon, user=user, source=GrantSource.CLAIM)
        except IntegrityError:
            raise DomainError(CheckoutError.COUPON_ALREADY_CLAIMED) from None
        taken = Coupon.objects.filter(pk=coupon.pk, claimed_count__lt=F("claim_quota")).update(
            claimed_count=F("claimed_count") + 1
        )
        if not taken:
            raise DomainError(CheckoutError.COUPON_CLAIMS_EXHAUSTED)  # rolls the grant back too
        return grant
