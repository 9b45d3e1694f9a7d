"""Figures for the console home that no single domain owns: today's orders per hour (Asia/Shanghai)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from wxmall.orders.models import Order
from wxmall.orders.state import PAID_STATUSES


def orders_per_hour_today(*, now: datetime | None = None) -> list[dict]:
    """24 buckets of orders paid today: count and GMV in fen, by local hour of payment."""
    tz = ZoneInfo(settings.TIME_ZONE)
    start = (now or timezone.now()).astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    buckets = {h: {"hour": h, "orders": 0, "gmv": 0} for h in range(24)}
    rows = (
        Order.objects.filter(
            paid_at__gte=start, paid_at__lt=start + timedelta(days=1), status__in=PAID_STATUSES
        )
        .annotate(hour=TruncHour("paid_at", tzinfo=tz))
        .values("hour")
        .annotate(n=Count("id"), fen=Sum("total"))
        .order_by()
    )
    for row in rows:
        bucket = buckets[row["hour"].astimezone(tz).hour]
        bucket["orders"] += row["n"]
        bucket["gmv"] += row["fen"] or 0
    return list(buckets.values())
