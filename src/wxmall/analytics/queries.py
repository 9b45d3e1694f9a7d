"""The dashboards' figures, computed by DuckDB over the Parquet events of the asked days.

Definitions (what the console shows, and what the tests check by hand):

- An event belongs to the channel / campaign / content of its attribution link: the last touch by
  default, the first touch with `model="first"`; an event with no tracked link is "直接访问" (direct).
- UV: distinct visitors with any event; PV: page_view events.
- Ordering / paying visitors: distinct visitors with an order_placed / order_paid event. Conversion
  UV→order = ordering visitors / UV, UV→pay = paying visitors / UV, in the same group.
- GMV: the sum of order_paid amounts (fen); AOV = GMV / paid orders; ARPU = GMV / UV; repurchase rate =
  customers with two or more paid orders / customers with at least one.
- ROI = attributed GMV / ad spend of the campaign over the same days (投入产出比); CTR = the ad
  platform's clicks / impressions (imported with the spend).
- A campaign's row is over the links whose campaign is its code: an order counts for the campaign of
  its last-touch link (or first, with `model="first"`), like every other group.
- Articles (read → jump → order): reads and readers are WeChat's figures for the article over the days
  (`ArticleDay`, summed per day, so a reader on two days counts twice, as WeChat's daily figures do);
  jumps are the clicks on its tracked links (channel "article", content id = the article's msgid) in
  the range and the distinct visitors who clicked; then UV, ordering / paying visitors and GMV of its
  content like any content. Jump rate = clicking visitors / readers; read→pay = paying visitors / readers.
- A challenge campaign's challenge (see `challenges`): participants = customers who claimed its reward;
  granted = the coupons the claims gave (a participant already holding that coupon got none); using /
  paying = participants with an order placed / paid with the reward coupon since the challenge began
  (a cancelled order gives the coupon back, so it no longer counts); conversion = paying / participants;
  GMV = the total of those paid orders.
- Retention: a visitor's cohort is the first day they are seen in the range; day N retention is the
  share of the cohort active again N days later (N = 0…7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
from django.conf import settings
from django.db.models import Count, Max, Q, Sum

from wxmall.channels.actions.challenges import grant_ref
from wxmall.channels.models import ChallengeClaim
from wxmall.checkout.models import CouponGrant, CouponRedemption
from wxmall.core.models import DeliveryAttempt
from wxmall.marketing.models import Click, Link
from wxmall.wechat.models import ApiCallStat

from . import store
from .models import AdSpend, ArticleDay, Campaign

DIRECT = "direct"
CHANNEL_LABELS = {
    "oa_menu": "公众号菜单",
    "article": "公众号文章",
    "oa_article": "公众号文章",
    "moments_ad": "朋友圈广告",
    "channels_video": "视频号短视频",
    "live": "直播",
    "poster": "线下海报",
    "sharer": "分享员",
    "wechat_store": "微信小店",
    DIRECT: "直接访问",
}
VIDEO_CHANNELS = ("channels_video", "live")
AD_CHANNEL = "moments_ad"
ARTICLE_CHANNELS = ("article", "oa_article")
DIMENSIONS = {"channel": "channel", "campaign": "campaign", "content": "content"}
FUNNEL = list(
    zip(
        store.VISIT_FLAGS, ["浏览页面", "浏览商品", "加入购物车", "进入结算", "下单", "支付成功"], strict=True
    )
)
RETENTION_DAYS = 7


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel)


def ratio(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    channel: str = ""
    model: str = "last"  # "last" or "first" touch


class Board:
    """One DuckDB connection over the filtered events, for one page's charts.

    Charts read `vd`, the store's rollups (one row per visitor, day and touch), never the events."""

    def __init__(self, filters: Filters) -> None:
        self.filters = filters
        self.con = _open(filters)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Board:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # --- the figures ----------------------------------------------------------------------------------
    def overview(self) -> dict:
        row = self.rows(
            """
            WITH paid AS (
                SELECT coalesce(CAST(buyer AS VARCHAR), visitor) AS who, sum(paid_orders) AS n
                FROM vd WHERE paid_orders > 0 GROUP BY who
            )
            SELECT (SELECT count(DISTINCT visitor) FROM vd) AS uv,
                   coalesce(sum(pv), 0) AS pv, coalesce(sum(placed), 0) AS orders,
                   coalesce(sum(paid_orders), 0) AS paid_orders, coalesce(sum(gmv), 0) AS gmv,
                   (SELECT count(*) FROM paid) AS buyers,
                   (SELECT count(*) FROM paid WHERE n >= 2) AS repeat_buyers
            FROM vd
            """
        )[0]
        row = {k: int(v) for k, v in row.items()}
        row["arpu"] = ratio(row["gmv"], row["uv"])
        row["aov"] = ratio(row["gmv"], row["paid_orders"])
        row["repurchase_rate"] = ratio(row["repeat_buyers"], row["buyers"])
        return row

    def recommendation_ctr(self) -> dict:
        """Views and clicks of "bought together" products (events, not visits: the rollup has neither)."""
        row = self.rows(
            "SELECT count(*) FILTER (WHERE type = 'rec_view') AS views,"
            " count(*) FILTER (WHERE type = 'rec_click') AS clicks FROM events WHERE type IN ('rec_view', 'rec_click')"
        )[0]
        views, clicks = int(row["views"]), int(row["clicks"])
        return {"views": views, "clicks": clicks, "ctr": ratio(clicks, views)}

    def by(self, dimension: str, *, where: str = "", limit: int = 50) -> list[dict]:
        """UV, PV, conversion and GMV per channel / campaign / content (`where` narrows, fixed SQL only)."""
        column = DIMENSIONS[dimension]
        rows = self.rows(
            f"""
            WITH per AS (
                SELECT {column} AS key, any_value(channel) AS channel, visitor, sum(pv) AS pv,
                       bool_or(placed > 0) AS ordered, bool_or(paid_orders > 0) AS paid,
                       sum(gmv) AS gmv, sum(paid_orders) AS paid_orders,
                       sum(leaves) AS leaves, sum(dwell_ms) AS dwell_ms
                FROM vd {f"WHERE {where}" if where else ""} GROUP BY {column}, visitor
            )
            SELECT key, any_value(channel) AS channel, count(visitor) AS uv, sum(pv) AS pv,
                   count(visitor) FILTER (WHERE ordered) AS ordering,
                   count(visitor) FILTER (WHERE paid) AS paying,
                   sum(paid_orders) AS paid_orders, sum(gmv) AS gmv,
                   sum(dwell_ms) / nullif(sum(leaves), 0) AS dwell
            FROM per GROUP BY key ORDER BY gmv DESC, uv DESC, key LIMIT {int(limit)}
            """  # noqa: S608 - fixed column names and a fixed `where` from this module
        )
        total_gmv = sum(int(r["gmv"]) for r in rows)
        for row in rows:
            for name in ("uv", "pv", "ordering", "paying", "paid_orders", "gmv"):
                row[name] = int(row[name] or 0)
            row["label"] = channel_label(row["key"]) if dimension == "channel" else (row["key"] or "（无）")
            row["conv_order"] = ratio(row["ordering"], row["uv"])
            row["conv_pay"] = ratio(row["paying"], row["uv"])
            row["gmv_share"] = ratio(row["gmv"], total_gmv)
        return rows

    def campaigns(self) -> list[dict]:
        """Per campaign, with spend, ROI and the ad platform's CTR (campaigns with spend but no visits too)."""
        rows = {r["key"]: r for r in self.by("campaign") if r["key"]}
        spend = (
            AdSpend.objects.filter(day__range=(self.filters.start, self.filters.end))
            .values("campaign")
            .annotate(spend=Sum("spend"), impressions=Sum("impressions"), clicks=Sum("clicks"))
        )

        def empty(code: str) -> dict:
            return {
                "key": code,
                "label": code,
                "uv": 0,
                "pv": 0,
                "ordering": 0,
                "paying": 0,
                "paid_orders": 0,
                "gmv": 0,
                "conv_order": None,
                "conv_pay": None,
                "channel": "",
            }

        for s in spend:
            row = rows.setdefault(s["campaign"], empty(s["campaign"]))
            row.update(spend=s["spend"], impressions=s["impressions"], clicks=s["clicks"])
        # Campaigns of the console: their name and budget on their rows, and a row (of zeros) for an active
        # one running in the range that has no visits or spend yet.
        running = Q(
            archived_at__isnull=True, starts_on__lte=self.filters.end, ends_on__gte=self.filters.start
        )
        for campaign in Campaign.objects.filter(Q(code__in=list(rows)) | running):
            row = rows.setdefault(campaign.code, empty(campaign.code))
            row.update(label=campaign.name, campaign_id=campaign.pk, budget=campaign.budget)
        for row in rows.values():
            row.setdefault("campaign_id", None)
            row.setdefault("budget", None)
            row.setdefault("spend", 0)
            row.setdefault("impressions", 0)
            row.setdefault("clicks", 0)
            row["roi"] = ratio(row["gmv"], row["spend"])
            row["ctr"] = ratio(row["clicks"], row["impressions"])
            row["dwell_ms"] = int(row["dwell"]) if row.get("dwell") is not None else None
        return sorted(rows.values(), key=lambda r: (-r["gmv"], -r["spend"], r["key"]))

    def contents(self, channels: tuple[str, ...]) -> list[dict]:
        """Per video / live session / article (the content id of its links): visits, views, orders, GMV."""
        listed = ", ".join(f"'{c}'" for c in channels)
        views = {
            r["key"]: int(r["views"])
            for r in self.rows(
                f"SELECT content AS key, sum(views) AS views FROM vd WHERE channel IN ({listed}) GROUP BY content"  # noqa: S608
            )
        }
        found = self.by("content", where=f"channel IN ({listed}) AND content <> ''")
        for row in found:
            row["views"] = views.get(row["key"], 0)
        return found

    def articles(self) -> list[dict]:
        """Per Official Account article: reads → jumps → orders (see the module's definitions). An article
        read but without a tracked link has its reads and zeros; a link's content that WeChat does not
        report (yet) has its jumps and orders with no reads."""
        if self.filters.channel and self.filters.channel not in ARTICLE_CHANNELS:
            return []
        days = (self.filters.start, self.filters.end)
        rows = {r["key"]: r for r in self.contents(ARTICLE_CHANNELS)}
        reads = (
            ArticleDay.objects.filter(day__range=days)
            .values("msgid")
            .annotate(
                title=Max("title"), reads=Sum("reads"), read_users=Sum("read_users"), shares=Sum("shares")
            )
        )
        links = Link.objects.filter(channel__in=ARTICLE_CHANNELS).exclude(content_id="")
        start, end = day_bounds(self.filters)
        jumps = {
            j["link__content_id"]: j
            for j in Click.objects.filter(link__in=links, at__gte=start, at__lt=end)
            .values("link__content_id")
            .annotate(clicks=Count("id"), clickers=Count("visitor", distinct=True))
        }
        codes: dict[str, list[str]] = {}
        for content_id, code in links.values_list("content_id", "code").order_by("code"):
            codes.setdefault(content_id, []).append(code)
        zero = {"uv": 0, "pv": 0, "ordering": 0, "paying": 0, "paid_orders": 0, "gmv": 0}
        for r in reads:
            row = rows.setdefault(r["msgid"], {"key": r["msgid"], "channel": "article", **zero})
            row.update(
                title=r["title"],
                reads=int(r["reads"]),
                read_users=int(r["read_users"]),
                shares=int(r["shares"]),
            )
        for key in set(jumps) - set(rows):
            rows[key] = {"key": key, "channel": "article", **zero}
        for key, row in rows.items():
            row.setdefault("title", "")
            for name in ("reads", "read_users", "shares"):
                row.setdefault(name, 0)
            row["label"] = row["title"] or key
            row["clicks"] = int(jumps.get(key, {}).get("clicks", 0))
            row["clickers"] = int(jumps.get(key, {}).get("clickers", 0))
            row["links"] = codes.get(key, [])
            row["jump_rate"] = ratio(row["clickers"], row["read_users"])
            row["conv_order"] = ratio(row["ordering"], row["uv"])
            row["conv_pay"] = ratio(row["paying"], row["uv"])
            row["read_to_pay"] = ratio(row["paying"], row["read_users"])
        return sorted(rows.values(), key=lambda r: (-r["reads"], -r["gmv"], -r["uv"], r["key"]))

    def daily(self) -> list[dict]:
        rows = self.rows(
            "SELECT day, count(DISTINCT visitor) AS uv, sum(pv) AS pv, sum(gmv) AS gmv FROM vd GROUP BY day ORDER BY day"
        )
        return [
            {"day": r["day"].isoformat(), "uv": int(r["uv"]), "pv": int(r["pv"]), "gmv": int(r["gmv"])}
            for r in rows
        ]

    def funnel(self) -> list[dict]:
        steps = ", ".join(f"bool_or({t}) AS {t}" for t, _ in FUNNEL)
        counts = ", ".join(f"count(*) FILTER (WHERE {t}) AS {t}" for t, _ in FUNNEL)
        row = self.rows(
            f"WITH per AS (SELECT visitor, {steps} FROM vd WHERE visitor IS NOT NULL GROUP BY visitor)"  # noqa: S608
            f" SELECT {counts} FROM per"
        )[0]
        top = int(row[FUNNEL[0][0]] or 0)
        return [
            {
                "step": t,
                "label": label,
                "visitors": int(row[t] or 0),
                "of_first": ratio(int(row[t] or 0), top),
            }
            for t, label in FUNNEL
        ]

    def retention(self) -> list[dict]:
        rows = self.rows(
            f"""
            WITH v AS (SELECT DISTINCT visitor, day FROM vd WHERE visitor IS NOT NULL),
                 f AS (SELECT visitor, min(day) AS cohort FROM v GROUP BY visitor)
            SELECT f.cohort, date_diff('day', f.cohort, v.day) AS n, count(*) AS visitors
            FROM v JOIN f USING (visitor)
            WHERE date_diff('day', f.cohort, v.day) BETWEEN 0 AND {RETENTION_DAYS}
            GROUP BY ALL ORDER BY ALL
            """  # noqa: S608
        )
        cohorts: dict[date, list[int]] = {}
        for r in rows:
            cohorts.setdefault(r["cohort"], [0] * (RETENTION_DAYS + 1))[int(r["n"])] = int(r["visitors"])
        return [
            {
                "cohort": day.isoformat(),
                "size": counts[0],
                "days": counts,
                "rates": [ratio(n, counts[0]) for n in counts],
            }
            for day, counts in sorted(cohorts.items())
        ]


def _open(filters: Filters) -> duckdb.DuckDBPyConnection:
    """The visits of the range joined to their links and narrowed to a channel, as the view `vd`."""
    for attempt in range(2):
        con = store.connect(filters.start, filters.end)
        try:
            con.execute(
                "CREATE TEMP TABLE links (id BIGINT, channel VARCHAR, campaign VARCHAR, content VARCHAR)"
            )
            links = list(Link.objects.values_list("id", "channel", "campaign", "content_id"))
            if links:
                con.executemany("INSERT INTO links VALUES (?, ?, ?, ?)", links)
            link_column = "first_link" if filters.model == "first" else "last_link"
            quoted = filters.channel.replace("'", "''")
            channel = f"WHERE channel = '{quoted}'" if filters.channel else ""
            con.execute(
                f"""
                CREATE TEMP VIEW vd AS SELECT * FROM (
                    SELECT v.*, coalesce(nullif(l.channel, ''), '{DIRECT}') AS channel,
                           coalesce(l.campaign, '') AS campaign, coalesce(l.content, '') AS content
                    FROM visits v LEFT JOIN links l ON l.id = v.{link_column}
                ) {channel}
                """  # noqa: S608 - fixed names and a quoted channel
            )
            con.execute("SELECT count(*) FROM events").fetchone()  # opens every file now, inside the retry
            return con
        except duckdb.IOException:
            con.close()
            if attempt:
                raise  # a compaction replaced the files between listing and reading, twice
    raise AssertionError("unreachable")


# --- challenge campaigns (from the operational database: claims, grants, coupon redemptions) ----------
def challenges(campaign: Campaign) -> list[dict]:
    """Per topic challenge of the campaign: participants, coupons granted, and the reward's conversion."""
    found = []
    for challenge in campaign.challenges.select_related("coupon").order_by("-starts_at", "-id")[:50]:
        claimers = ChallengeClaim.objects.filter(challenge=challenge).values("user_id")
        used = CouponRedemption.objects.filter(
            coupon_id=challenge.coupon_id, user_id__in=claimers, created_at__gte=challenge.starts_at
        )
        paid = used.filter(order__paid_at__isnull=False)
        participants = ChallengeClaim.objects.filter(challenge=challenge).count()
        paying = paid.values("user_id").distinct().count()
        found.append(
            {
                "challenge": challenge,
                "participants": participants,
                "granted": CouponGrant.objects.filter(
                    coupon_id=challenge.coupon_id, ref=grant_ref(challenge.pk)
                ).count(),
                "using": used.values("user_id").distinct().count(),
                "paying": paying,
                "paid_orders": paid.count(),
                "gmv": paid.aggregate(total=Sum("order__total"))["total"] or 0,
                "conversion": ratio(paying, participants),
                "recent": list(
                    ChallengeClaim.objects.filter(challenge=challenge)
                    .select_related("user")
                    .order_by("-claimed_at", "-id")[:10]
                ),
            }
        )
    return found


# --- stability (from the operational database: outbox deliveries and WeChat API calls) ----------------
def day_bounds(filters: Filters) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        datetime.combine(filters.start, time.min, zone),
        datetime.combine(filters.end + timedelta(days=1), time.min, zone),
    )


def wechat_api_rates(start: datetime, end: datetime) -> list[dict]:
    rows = (
        ApiCallStat.objects.filter(minute__gte=start, minute__lt=end)
        .values("api")
        .annotate(calls=Sum("calls"), ok=Sum("ok"), latency=Sum("latency_ms_sum"))
        .order_by("api")
    )
    return [
        {
            "name": r["api"],
            "calls": r["calls"],
            "ok": r["ok"],
            "failed": r["calls"] - r["ok"],
            "success_rate": ratio(r["ok"], r["calls"]),
            "avg_ms": ratio(r["latency"], r["calls"]),
        }
        for r in rows
    ]


def outbox_rates(start: datetime, end: datetime) -> list[dict]:
    rows = (
        DeliveryAttempt.objects.filter(at__gte=start, at__lt=end)
        .values("destination")
        .annotate(calls=Count("id"), ok=Count("id", filter=Q(ok=True)), latency=Sum("latency_ms"))
        .order_by("destination")
    )
    return [
        {
            "name": r["destination"],
            "calls": r["calls"],
            "ok": r["ok"],
            "failed": r["calls"] - r["ok"],
            "success_rate": ratio(r["ok"], r["calls"]),
            "avg_ms": ratio(r["latency"], r["calls"]),
        }
        for r in rows
    ]
