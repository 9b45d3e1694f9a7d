"""Read side: per-session and per-video figures, the commission ledger and its period statements.

Figures are computed from the orders themselves (attributions of paid, not refunded orders), never kept
as counters, so they cannot drift: a refund takes the order out of GMV the moment it is refunded.
Conversion is orders per viewer (live: WeChat's viewer UV) or per visitor (video: distinct visitors
through its tracked link), in percent with one decimal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from wxmall.orders.models import OrderLine
from wxmall.orders.state import PAID_STATUSES

from .models import Attribution, Commission, LiveSession, Reversal, ShortVideo

PAID = Q(order__status__in=list(PAID_STATUSES))


def conversion(orders: int, visitors: int) -> str:
    if visitors <= 0:
        return "—"
    tenths = (orders * 1000 + visitors // 2) // visitors
    return f"{tenths // 10}.{tenths % 10}%"


def _sold(attributions) -> tuple[int, int]:
    totals = attributions.filter(PAID).aggregate(
        orders=Count("order", distinct=True), gmv=Sum("order__total")
    )
    return totals["orders"] or 0, totals["gmv"] or 0


def live_figures(session: LiveSession) -> dict:
    orders, gmv = _sold(Attribution.objects.filter(live=session))
    per_product = (
        OrderLine.objects.filter(order__channels__live=session, order__status__in=list(PAID_STATUSES))
        .values("sku__product_id", "product_title")
        .annotate(units=Sum("quantity"), gmv=Sum("line_total"))
        .order_by("-gmv")
    )
    return {
        "status": session.status,
        "viewers": session.viewers,
        "orders": orders,
        "gmv": gmv,
        "conversion": conversion(orders, session.viewers),
        "featured": session.featured_id,
        "products": [
            {
                "product_id": p["sku__product_id"],
                "title": p["product_title"],
                "units": p["units"],
                "gmv": p["gmv"],
            }
            for p in per_product
        ],
    }


def video_figures(video: ShortVideo) -> dict:
    from wxmall.marketing.models import Click

    uv = Click.objects.filter(link_id=video.link_id).values("visitor").distinct().count()
    orders, gmv = _sold(Attribution.objects.filter(video=video))
    return {"uv": uv, "orders": orders, "gmv": gmv, "conversion": conversion(orders, uv)}


# --- statements ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    at: datetime
    sharer: str
    order_no: str
    kind: str  # 佣金 | 冲销
    amount: int  # fen; reversals negative
    status: str
    method: str


def period_bounds(period: str) -> tuple[datetime, datetime] | None:
    """'2026-12' → [first instant, first instant of the next month) in local time; None if malformed
    or in the future."""
    try:
        year, month = (int(part) for part in period.split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        return None
    if len(period) != 7 or first > timezone.localdate():
        return None
    following = (first + timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(first, time.min), zone),
        timezone.make_aware(datetime.combine(following, time.min), zone),
    )


def statement(start: datetime, end: datetime) -> tuple[list[Line], list[dict]]:
    """The period's ledger lines (commissions accrued, reversals booked) and per-sharer totals."""
    lines: list[Line] = []
    for c in Commission.objects.filter(created_at__gte=start, created_at__lt=end).select_related(
        "order", "sharer"
    ):
        lines.append(
            Line(
                c.created_at,
                str(c.sharer),
                c.order.order_no,
                "佣金",
                c.amount,
                c.get_status_display(),
                c.get_method_display(),
            )
        )
    reversals = Reversal.objects.filter(created_at__gte=start, created_at__lt=end).select_related(
        "commission__order", "commission__sharer"
    )
    for r in reversals:
        c = r.commission
        lines.append(
            Line(
                r.created_at,
                str(c.sharer),
                c.order.order_no,
                "冲销",
                -r.amount,
                r.get_status_display(),
                c.get_method_display(),
            )
        )
    lines.sort(key=lambda line: (line.at, line.order_no))
    totals: dict[str, dict] = {}
    for line in lines:
        row = totals.setdefault(line.sharer, {"sharer": line.sharer, "accrued": 0, "reversed": 0, "net": 0})
        row["accrued" if line.amount >= 0 else "reversed"] += abs(line.amount)
        row["net"] += line.amount
    settled = (
        Commission.objects.filter(settled_at__gte=start, settled_at__lt=end)
        .values("sharer__nickname", "sharer__openid")
        .annotate(paid=Sum("paid_amount"))
    )
    for s in settled:
        name = s["sharer__nickname"] or s["sharer__openid"]
        totals.setdefault(name, {"sharer": name, "accrued": 0, "reversed": 0, "net": 0})["paid"] = (
            s["paid"] or 0
        )
    for row in totals.values():
        row.setdefault("paid", 0)
    return lines, sorted(totals.values(), key=lambda r: r["sharer"])


def ledger(limit: int = 100):
    return Commission.objects.select_related("order", "sharer").prefetch_related("reversals")[:limit]


def promoter_sales() -> list[dict]:
    """What promoters (带货达人) sold through the alliance: paid orders, GMV and WeChat's commission."""
    return list(
        Commission.objects.filter(sharer__kind="promoter", order__status__in=list(PAID_STATUSES))
        .values("sharer__nickname", "sharer__openid")
        .annotate(orders=Count("order", distinct=True), gmv=Sum("order__total"), commission=Sum("amount"))
        .order_by("-gmv")
    )
