"""Factories for tests that need sharers, rules and attributed orders (shipped for reuse)."""

from __future__ import annotations

import itertools

from django.utils import timezone

from .actions import commissions, videos
from .models import CommissionRule, ReceiverType, RuleKind, Sharer, SharerKind

_n = itertools.count(1)


def make_sharer(openid: str = "", *, nickname: str = "小王", **fields) -> Sharer:
    return Sharer.objects.create(
        openid=openid or f"o_sharer_{next(_n)}",
        nickname=nickname,
        kind=fields.pop("kind", SharerKind.SHARER),
        bound_at=timezone.now(),
        **fields,
    )


def make_merchant_sharer(mchid: str = "86693852", name: str = "深圳渠道商有限公司", **fields) -> Sharer:
    return make_sharer(
        receiver_type=ReceiverType.MERCHANT_ID, receiver_account=mchid, receiver_name=name, **fields
    )


def make_rule(
    *, product=None, category=None, rate_bp: int = 1000, fixed: int = 0, tiers=None
) -> CommissionRule:
    kind = RuleKind.FIXED if fixed else RuleKind.RATE
    return CommissionRule.objects.create(
        product=product,
        category=category,
        kind=kind,
        rate_bp=0 if fixed else rate_bp,
        fixed=fixed,
        tiers=tiers or [],
    )


def attributed_order(customer, address, sku, sharer: Sharer, *, quantity: int = 1, live=None, video=None):
    """An unpaid H5 order of `customer` that came through `sharer`'s tracked link."""
    from wxmall.checkout.actions import place_order

    link = videos.sharer_link(
        sharer.pk, product_id=sku.product_id, live_id=live and live.pk, video_id=video and video.pk
    )
    order = place_order(customer, items=[(sku.pk, quantity)], address_id=address.pk)
    commissions.attribute_h5(order, link.link_id)
    return order


def pay_locally(order, transaction_id: str = ""):
    """Mark an order paid as WeChat Pay's notification would (no sandbox), running the paid hooks."""
    from wxmall.orders.actions import mark_paid

    return mark_paid(order.order_no, transaction_id or f"42000{next(_n):023d}", timezone.now(), order.total)
