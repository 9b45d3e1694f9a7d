"""Factories for tests of any app that needs coupons and flash sales (shipped, like django-oscar's).
Customers and addresses are in `wxmall.accounts.testing`, products and SKUs in `wxmall.catalog.testing`.
Each creates real rows through the ORM; nothing here is used by the running shop."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from wxmall.catalog.models import SKU

from .models import Coupon, CouponKind, FlashSale


def make_coupon(
    *,
    code: str | None = None,
    kind: str = CouponKind.AMOUNT_OFF,
    value: int = 2000,
    threshold: int = 0,
    starts_in: timedelta = -timedelta(days=1),
    lasts: timedelta = timedelta(days=30),
    **fields,
) -> Coupon:
    starts_at = timezone.now() + starts_in
    return Coupon.objects.create(
        code=code or f"TEST{uuid.uuid4().hex[:8].upper()}",
        kind=kind,
        value=value,
        threshold=threshold,
        starts_at=starts_at,
        ends_at=starts_at + lasts,
        **{"name": "测试券", **fields},
    )


def make_flash_sale(
    sku: SKU,
    *,
    price: int = 5000,
    quota: int = 5,
    per_user_limit: int = 1,
    starts_in: timedelta = -timedelta(hours=1),
    lasts: timedelta = timedelta(hours=2),
    **fields,
) -> FlashSale:
    starts_at = timezone.now() + starts_in
    return FlashSale.objects.create(
        sku=sku,
        price=price,
        quota=quota,
        per_user_limit=per_user_limit,
        starts_at=starts_at,
        ends_at=starts_at + lasts,
        **{"title": f"秒杀 {sku.code}", **fields},
    )


def make_paid_order(customer, *, price: int = 129900, quantity: int = 1, sku: SKU | None = None, **placement):
    """An order placed through checkout (to a fresh address) and marked paid the way WeChat Pay's
    notification does; `placement` goes to `place_order` (coupon_code, channel, …)."""
    from wxmall.accounts.testing import make_address
    from wxmall.catalog.testing import make_sku
    from wxmall.orders.actions import mark_paid

    from .actions import place_order

    sku = sku or make_sku(price=price, stock=quantity + 5)
    order = place_order(
        customer, items=[(sku.pk, quantity)], address_id=make_address(customer).pk, **placement
    )
    return mark_paid(order.order_no, f"4200{order.pk:024d}", timezone.now(), order.total)
