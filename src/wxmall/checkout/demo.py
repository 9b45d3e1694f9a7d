"""Demo promotions for `manage.py load_demo` (which calls `load()` after the catalogue is loaded).

Idempotent: coupons are upserted by code and flash sales by title; counters (`used_count`, `sold`)
are never touched, and a promotion that has run out of time gets a fresh window, so a demo shop
loaded weeks ago still has something on sale."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from wxmall.catalog.models import SKU

from .models import Coupon, CouponKind, FlashSale

# code, name, kind, value (fen or %), threshold (fen), per-user limit, total quota
COUPONS = [
    ("NEW20", "新人专享券", CouponKind.AMOUNT_OFF, 2000, 9900, 1, None),
    ("SAVE100", "满 1000 减 100", CouponKind.AMOUNT_OFF, 10000, 100000, 3, 1000),
    ("PC95", "装机 95 折券", CouponKind.PERCENT_OFF, 5, 50000, 2, 500),
    ("BIG500", "高端本满 8000 减 500", CouponKind.AMOUNT_OFF, 50000, 800000, 1, 200),
]

# Flash sales: product slugs from the demo catalogue, in order of preference; title; % of the price
# charged; quota; per-user limit.
FLASH_SALES = [
    (["xiaomi-redmibook-pro-14", "lenovo-xiaoxin-pro-14"], "RedmiBook Pro 14 限时秒杀", 85, 30, 1),
    (["logitech-mx-master-3s", "logitech-g-pro-x-superlight-2"], "罗技鼠标 秒杀 8 折", 80, 100, 2),
]

COUPON_DAYS = 90
FLASH_SALE_DAYS = 7


@transaction.atomic
def load() -> str:
    now = timezone.now()
    created_coupons = sum(_coupon(row, now) for row in COUPONS)
    sales = [title for row in FLASH_SALES if (title := _flash_sale(*row, now=now))]
    return (
        f"促销：{len(COUPONS)} 张优惠券（新建 {created_coupons} 张），"
        f"进行中的秒杀 {len(sales)} 个（{'、'.join(sales) or '无可用商品'}）"
    )


def _coupon(row, now) -> bool:
    code, name, kind, value, threshold, per_user_limit, quota = row
    coupon = Coupon.objects.filter(code=code).first()
    fields = {
        "name": name,
        "kind": kind,
        "value": value,
        "threshold": threshold,
        "per_user_limit": per_user_limit,
        "total_quota": quota,
        "is_active": True,
    }
    if coupon is None:
        Coupon.objects.create(
            code=code, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=COUPON_DAYS), **fields
        )
        return True
    if quota is not None and coupon.used_count > quota:
        fields["total_quota"] = coupon.used_count  # never below what has been used (a check constraint)
    if coupon.ends_at <= now:
        fields["ends_at"] = now + timedelta(days=COUPON_DAYS)
    Coupon.objects.filter(pk=coupon.pk).update(**fields)
    return False


def _flash_sale(slugs, title, percent, quota, per_user_limit, *, now) -> str | None:
    sku = _pick_sku(slugs)
    if sku is None:
        return None
    price = max(100, sku.price * percent // 100 // 100 * 100)  # whole yuan
    sale = FlashSale.objects.filter(title=title).first()
    if sale is None:
        FlashSale.objects.create(
            sku=sku,
            title=title,
            price=price,
            quota=quota,
            per_user_limit=per_user_limit,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=FLASH_SALE_DAYS),
        )
        return title
    fields = {"is_active": True}
    if sale.ends_at <= now:
        fields.update(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=FLASH_SALE_DAYS))
    FlashSale.objects.filter(pk=sale.pk).update(**fields)
    return title


def _pick_sku(slugs) -> SKU | None:
    """The cheapest in-stock SKU of the first preferred product present, else of any listed product."""
    buyable = SKU.objects.filter(is_active=True, product__is_listed=True, stock__gt=0).order_by(
        "price", "code"
    )
    for slug in slugs:
        sku = buyable.filter(product__slug=slug).first()
        if sku is not None:
            return sku
    return buyable.filter(price__gte=10000).first() or buyable.first()
