"""Factories for tests (shipped, like django-oscar's, so other apps' tests can build a shop quickly).
Each creates real rows through the ORM; nothing here is used by the running shop."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from wxmall.accounts.models import Address
from wxmall.catalog.models import SKU, Category, Product

from .models import Coupon, CouponKind, FlashSale

_seq = itertools.count(1)


def make_customer(username: str | None = None, **fields):
    return get_user_model().objects.create(username=username or f"buyer{next(_seq)}", **fields)


def make_sku(
    *,
    price: int = 10000,
    stock: int = 10,
    title: str | None = None,
    listed: bool = True,
    active: bool = True,
    product: Product | None = None,
    **fields,
) -> SKU:
    n = next(_seq)
    if product is None:
        category, _ = Category.objects.get_or_create(slug="test-laptops", defaults={"name": "测试笔记本"})
        product = Product.objects.create(
            category=category,
            title=title or f"测试笔记本 {n}",
            brand="测试",
            is_listed=listed,
            images=[f"/static/test/{n}.svg"],
            min_price=price,
        )
    fields.setdefault("memory", "16GB")
    fields.setdefault("storage", "512GB")
    return SKU.objects.create(
        product=product,
        code=f"TEST-{n}",
        price=price,
        list_price=price + 1000,
        stock=stock,
        is_active=active,
        **fields,
    )


def make_address(user, **fields) -> Address:
    data = {
        "recipient": "张三",
        "phone": "13812345678",
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "detail": "科技园路 1 号 A 座 101",
        "is_default": False,
    }
    data.update(fields)
    return Address.objects.create(user=user, **data)


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
        code=code or f"TEST{next(_seq)}",
        name="测试券",
        kind=kind,
        value=value,
        threshold=threshold,
        starts_at=starts_at,
        ends_at=starts_at + lasts,
        **fields,
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
        title=f"秒杀 {sku.code}",
        price=price,
        quota=quota,
        per_user_limit=per_user_limit,
        starts_at=starts_at,
        ends_at=starts_at + lasts,
        **fields,
    )


def snapshot() -> dict:
    """Row counts and counters a refused operation must leave unchanged (compare before/after)."""
    from wxmall.core.models import OutboxMessage
    from wxmall.orders.models import Order, OrderEvent, OrderLine

    from .models import CartLine, CouponRedemption, FlashSalePurchase

    return {
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "events": OrderEvent.objects.count(),
        "redemptions": CouponRedemption.objects.count(),
        "purchases": FlashSalePurchase.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "cart": CartLine.objects.count(),
        "addresses": Address.objects.count(),
        "stock": dict(SKU.objects.values_list("pk", "stock")),
        "coupon_used": dict(Coupon.objects.values_list("pk", "used_count")),
        "flash_sold": dict(FlashSale.objects.values_list("pk", "sold")),
    }
