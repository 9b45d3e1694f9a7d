"""Demo segments and a shareable coupon for `manage.py load_demo`. Idempotent: upserted by name/code."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from wxmall.checkout.models import Coupon, CouponAudience, CouponKind

from .models import Segment

SEGMENTS = [
    ("高价值顾客", {"min_spend": 5000_00}),
    ("30 天未下单", {"idle_for_days": 30}),
    ("新客（未下单）", {"max_orders": 0}),
]
CLAIM_CODE = "SHARE50"


def load() -> str:
    made = sum(Segment.objects.get_or_create(name=name, defaults=rule)[1] for name, rule in SEGMENTS)
    now = timezone.now()
    coupon, _ = Coupon.objects.get_or_create(
        code=CLAIM_CODE,
        defaults={
            "name": "分享领券 满 500 减 50",
            "kind": CouponKind.AMOUNT_OFF,
            "value": 5000,
            "threshold": 50000,
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=90),
            "audience": CouponAudience.GRANTED,
            "claim_token": "demo-share-50",
            "claim_quota": 200,
        },
    )
    if coupon.ends_at <= now:
        Coupon.objects.filter(pk=coupon.pk).update(ends_at=now + timedelta(days=90))
    return f"顾客分群 {len(SEGMENTS)} 个（新建 {made} 个），领券页 /coupons/{coupon.claim_token}/"
