"""The report figures, all in fen and counted on the Beijing calendar.

Sales are orders paid in the range whose status still counts as sold (paid through refund requested:
`orders.state.PAID_STATUSES`), bucketed by payment time; refunds are orders refunded in the range,
bucketed by refund time. A line's revenue is its line total before order-level discounts (coupon,
points), which are shown on the order figures, not split across lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, NullIf, TruncDay, TruncMonth, TruncWeek

from wxmall.orders.models import Order, OrderLine
from wxmall.orders.queries import BEIJING
from wxmall.orders.state import PAID_STATUSES, OrderStatus
from wxmall.payments.models import Payment, PaymentStatus, PayMethod

PERIODS = {"day": ("按日", TruncDay), "week": ("按周", TruncWeek), "month": ("按月", TruncMonth)}
MAX_DAYS = 731  # two years: a report over a wider range is refused by the view
TOP = 10
NO_CHANNEL = "直接访问"
NO_METHOD = "其他（线下或未记录）"


@dataclass(frozen=True)
class Range:
    since: date
    until: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time.min, tzinfo=BEIJING)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=BEIJING)


def sold(span: Range) -> QuerySet[Order]:
    return Order.objects.filter(paid_at__gte=span.start, paid_at__lt=span.end, status__in=PAID_STATUSES)


def summary(span: Range) -> dict:
    figures = sold(span).aggregate(orders=Count("id"), gmv=Sum("total"), discount=Sum("discount"))
    refunds = refunded(span).aggregate(n=Count("id"), amount=Sum("total"))
    orders, gmv = figures["orders"] or 0, figures["gmv"] or 0
    return {
        "orders": orders,
        "gmv": gmv,
        "discount": figures["discount"] or 0,
        "average": gmv // orders if orders else 0,
        "refunds": refunds["n"] or 0,
        "refunded": refunds["amount"] or 0,
    }


def _label(moment: datetime | date, period: str) -> str:
    day = moment.astimezone(BEIJING).date() if isinstance(moment, datetime) else moment
    if period == "month":
        return day.strftime("%Y-%m")
    if period == "week":
        return f"{day:%Y-%m-%d} 周"
    return day.isoformat()


def _buckets(span: Range, period: str) -> list[date]:
    """Every bucket start in the range, so days without sales show as zero."""
    day, out = span.since, []
    while day <= span.until:
        if period == "month":
            start = day.replace(day=1)
        elif period == "week":
            start = day - timedelta(days=day.weekday())
        else:
            start = day
        if not out or out[-1] != start:
            out.append(start)
        day += timedelta(days=1)
    return out


def sales_by_period(span: Range, period: str = "day") -> list[dict]:
    trunc = PERIODS[period][1]
    rows = (
        sold(span)
        .annotate(bucket=trunc("paid_at", tzinfo=BEIJING))
        .values("bucket")
        .annotate(orders=Count("id"), gmv=Sum("total"))
        .order_by("bucket")
    )
    found = {_label(r["bucket"], period): r for r in rows}
    return [
        {
            "label": label,
            "orders": found.get(label, {}).get("orders", 0),
            "gmv": found.get(label, {}).get("gmv", 0),
        }
        for label in (_label(b, period) for b in _buckets(span, period))
    ]


def _lines(span: Range) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(
        order__paid_at__gte=span.start, order__paid_at__lt=span.end, order__status__in=PAID_STATUSES
    )


def by_category(span: Range) -> list[dict]:
    rows = (
        _lines(span)
        .values(label=Coalesce(F("sku__product__category__name"), Value("未分类")))
        .annotate(quantity=Sum("quantity"), revenue=Sum("line_total"))
        .order_by("-revenue", "label")
    )
    return list(rows)


def by_product(span: Range, limit: int | None = None) -> list[dict]:
    rows = (
        _lines(span)
        .values("sku__product_id", label=F("sku__product__title"))
        .annotate(quantity=Sum("quantity"), revenue=Sum("line_total"), orders=Count("order", distinct=True))
        .order_by("-revenue", "label")
    )
    return list(rows[:limit] if limit else rows)


def top_products(span: Range) -> list[dict]:
    return by_product(span, TOP)


def by_payment_method(span: Range) -> list[dict]:
    method = Payment.objects.filter(order=OuterRef("pk"), status=PaymentStatus.PAID).values("method")[:1]
    rows = (
        sold(span)
        .annotate(method=Subquery(method))
        .values("method")
        .annotate(orders=Count("id"), gmv=Sum("total"))
        .order_by("-gmv")
    )
    names = dict(PayMethod.choices)
    return [
        {"label": names.get(r["method"], NO_METHOD), "orders": r["orders"], "gmv": r["gmv"]} for r in rows
    ]


def by_channel(span: Range) -> list[dict]:
    rows = (
        sold(span)
        .values(label=Coalesce(NullIf(F("channel"), Value("")), Value(NO_CHANNEL)))
        .annotate(orders=Count("id"), gmv=Sum("total"))
        .order_by("-gmv", "label")
    )
    return list(rows)


def refunded(span: Range) -> QuerySet[Order]:
    return Order.objects.filter(
        status=OrderStatus.REFUNDED, refunded_at__gte=span.start, refunded_at__lt=span.end
    )


def refunds_by_period(span: Range, period: str = "day") -> list[dict]:
    trunc = PERIODS[period][1]
    rows = (
        refunded(span)
        .annotate(bucket=trunc("refunded_at", tzinfo=BEIJING))
        .values("bucket")
        .annotate(orders=Count("id"), amount=Sum("total"))
        .order_by("bucket")
    )
    found = {_label(r["bucket"], period): r for r in rows}
    return [
        {
            "label": label,
            "orders": found.get(label, {}).get("orders", 0),
            "amount": found.get(label, {}).get("amount", 0),
        }
        for label in (_label(b, period) for b in _buckets(span, period))
    ]
