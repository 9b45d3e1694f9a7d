"""Compass (罗盘) data pulled from the Store on the seeds' cadences (reference §8.8, issue 12).

* content/product metrics (`pull_content_metrics`, every `STORE_CONTENT_METRICS_INTERVAL_SECONDS`): the
  shop's day overview and per-product figures, for days whose data WeChat has published, i.e. at least
  `STORE_CONTENT_METRICS_DELAY_SECONDS` after the Beijing day ended; the last `STORE_COMPASS_BACKFILL_DAYS`
  such days that have no snapshot yet are fetched, so a missed run catches up.
* user behaviour (`pull_user_behaviour`, at `STORE_USER_BEHAVIOUR_TIMES`): the buyer profile of the same days.
* transactions stay real time (pushes + order listing, `pushes` / `actions.orders`), not here.

A day is fetched completely before anything is written and then written in one transaction with upserts on
the unique (ds, kind, product) key: a re-pull never duplicates, and a failed call (45009, -1, …) leaves no
half-written day.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wxmall.wechat import client
from wxmall.wechat.errors import WeChatError

from .models import CompassKind, CompassSnapshot, StoreProduct

logger = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")
_FIELDS = ["pay_gmv", "pay_uv", "pay_cnt", "data", "pulled_at"]


def ready_day(now: dt.datetime) -> dt.date:
    """The latest Beijing day whose compass data are published at `now`."""
    delay = dt.timedelta(seconds=settings.STORE_CONTENT_METRICS_DELAY_SECONDS)
    return (now - delay).astimezone(BEIJING).date() - dt.timedelta(days=1)


def _due(kind: str, now: dt.datetime) -> list[dt.date]:
    last = ready_day(now)
    days = [last - dt.timedelta(days=n) for n in range(settings.STORE_COMPASS_BACKFILL_DAYS)]
    have = set(CompassSnapshot.objects.filter(kind=kind, ds__in=days).values_list("ds", flat=True))
    return sorted(d for d in days if d not in have)


def _save(rows: list[CompassSnapshot]) -> None:
    with transaction.atomic():
        CompassSnapshot.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["ds", "kind", "store_product_id"],
            update_fields=_FIELDS,
        )


def pull_content_day(day: dt.date) -> int:
    """Fetch and store one day's overview + product figures; returns the product rows written."""
    store = client("store").store
    overall = store.compass_overall(day)
    products = store.compass_products(day)
    now = timezone.now()
    rows = [
        CompassSnapshot(ds=day, kind=CompassKind.OVERALL, pay_gmv=overall.pay_gmv, pay_uv=overall.pay_uv,
                        pay_cnt=overall.pay_order_cnt, data=overall.raw, pulled_at=now)
    ] + [
        CompassSnapshot(ds=day, kind=CompassKind.PRODUCT, store_product_id=p.product_id, pay_gmv=p.pay_gmv,
                        pay_uv=p.pay_uv, pay_cnt=p.pay_cnt, data=p.raw, pulled_at=now)
        for p in products
    ]  # fmt: skip
    _save(rows)
    return len(products)


def pull_profile_day(day: dt.date) -> None:
    profile = client("store").store.compass_profile(day)
    raw = {"gender": profile.gender, "age": profile.age, "region": profile.region}
    _save([CompassSnapshot(ds=day, kind=CompassKind.PROFILE, pay_uv=profile.pay_uv, data=raw,
                           pulled_at=timezone.now())])  # fmt: skip


def _run(kind: str, pull: Any, now: dt.datetime | None) -> list[dt.date]:
    done = []
    for day in _due(kind, now or timezone.now()):
        try:
            pull(day)
        except WeChatError as exc:  # quota, busy, not yet published: the next run tries again
            logger.warning("compass %s pull for %s stopped: %s", kind, day, exc)
            break
        done.append(day)
    return done


def pull_content_metrics(now: dt.datetime | None = None) -> list[dt.date]:
    """The published days not pulled yet (overview + products); stops at the first failing day."""
    return _run(CompassKind.OVERALL, pull_content_day, now)


def pull_user_behaviour(now: dt.datetime | None = None) -> list[dt.date]:
    return _run(CompassKind.PROFILE, pull_profile_day, now)


def console_context(days: int = 7, top: int = 20) -> dict[str, Any]:
    """The /console/store/ 罗盘 section: recent day overviews, the latest day's products, the latest profile."""
    overall = list(CompassSnapshot.objects.filter(kind=CompassKind.OVERALL).order_by("-ds")[:days])
    latest = overall[0].ds if overall else None
    products = list(
        CompassSnapshot.objects.filter(kind=CompassKind.PRODUCT, ds=latest).order_by(
            "-pay_gmv", "store_product_id"
        )[:top]
    )
    titles = dict(
        StoreProduct.objects.filter(store_product_id__in=[p.store_product_id for p in products]).values_list(
            "store_product_id", "product__title"
        )
    )
    for p in products:
        p.title = titles.get(p.store_product_id, "")
    profile = CompassSnapshot.objects.filter(kind=CompassKind.PROFILE).order_by("-ds").first()
    return {
        "compass_overall": overall,
        "compass_products": products,
        "compass_profile": profile,
        "compass_interval_hours": settings.STORE_CONTENT_METRICS_INTERVAL_SECONDS / 3600,
        "compass_profile_times": "、".join(settings.STORE_USER_BEHAVIOUR_TIMES),
    }
