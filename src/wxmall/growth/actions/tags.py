"""Behaviour tags rebuilt from orders (scheduled): purchase categories, spend bands, recency. Written as
`members_import.CustomerTag` rows with source "behaviour", so segments see them beside imported tags.
Each run replaces the whole set in one transaction (delete then insert): a tag a customer no longer
earns disappears, and a reader never sees a half-built set."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from wxmall.members_import.models import CustomerTag
from wxmall.orders.models import Order, OrderLine
from wxmall.orders.state import OrderStatus

SOURCE = "behaviour"
PURCHASED = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
# (lower bound in fen, label): the highest band whose bound the customer's spend reaches.
SPEND_BANDS = (
    (0, "消费<500元"),
    (50_000, "消费500-2000元"),
    (200_000, "消费2000-1万元"),
    (1_000_000, "消费≥1万元"),
)
RECENCY = ((30, "近30天购买"), (90, "近90天购买"))
LAPSED = "90天未购买"
NAME_MAX = 32


def _band(spend: int) -> str:
    return [label for bound, label in SPEND_BANDS if spend >= bound][-1]


def _recency(last_paid, now) -> str:
    for days, label in RECENCY:
        if last_paid >= now - timedelta(days=days):
            return label
    return LAPSED


def behaviour_tags(now=None) -> dict[int, set[str]]:
    """Every buying customer's tags, from three aggregate queries."""
    now = now or timezone.now()
    tags: dict[int, set[str]] = {}
    bought = Order.objects.filter(status__in=PURCHASED, paid_at__isnull=False)
    for user_id, spend, last_paid in (
        bought.values("user_id").annotate(s=Sum("total"), m=Max("paid_at")).values_list("user_id", "s", "m")
    ):
        tags.setdefault(user_id, set()).update((_band(spend or 0), _recency(last_paid, now)))
    lines = OrderLine.objects.filter(order__in=bought).values_list(
        "order__user_id", "sku__product__category__name"
    )
    for user_id, category in lines.distinct():
        if category:
            tags.setdefault(user_id, set()).add(f"买过:{category}"[:NAME_MAX])
    return tags


def rebuild_behaviour_tags(now=None) -> int:
    """Replace every behaviour tag; a name a customer already has from an import is left as it is (the
    (user, name) constraint). Returns the number of behaviour tags written."""
    rows = [
        CustomerTag(user_id=u, name=name, source=SOURCE)
        for u, names in behaviour_tags(now).items()
        for name in names
    ]
    with transaction.atomic():
        CustomerTag.objects.filter(source=SOURCE).delete()
        CustomerTag.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return CustomerTag.objects.filter(source=SOURCE).count()
