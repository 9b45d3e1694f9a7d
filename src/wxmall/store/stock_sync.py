"""Stock between the hub and the Store: one pool, the hub's stock is the truth.

* Event-driven: `catalog.events.stock_changed` adds the change to `StoreSku.pending_delta` (a guarded
  F() update) and queues one pending outbox row per synced SKU (`wechat_store:stock:<sku>:<generation>`,
  coalesced like products). The handler takes the summed delta under the row lock and sends it as one
  `stock/update` add/subtract — never "set", so a Store order placed meanwhile keeps its decrement and
  concurrent changes on both sides commute. If the Store cannot subtract that much (10020219: its own
  orders got there first) the SKU is re-read and set by difference. Stock taken by a Store order
  (origin `wechat_store`) is not pushed: the Store counted it already.
* Reconciliation (`reconcile`, beat every STORE_STOCK_RECONCILE_SECONDS): every synced SKU's Store stock
  is listed with `stock/batchget`, diffed against local stock, and each drifted SKU is re-read and
  repaired by the difference; the run and each drift are logged (`StockRun`, `StockDrift`) for the
  console."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wxmall.catalog.models import SKU
from wxmall.core.outbox import enqueue
from wxmall.wechat import client
from wxmall.wechat.errors import WeChatError
from wxmall.wechat.services.store import STOCK_ADD, STOCK_SUB

from .models import StockDrift, StockRun, StoreSku

logger = logging.getLogger(__name__)
ORIGIN = "wechat_store"


def on_stock_changed(sender, sku_id: int, delta: int, origin: str, **kwargs) -> None:
    if origin == ORIGIN:
        return
    if StoreSku.objects.filter(sku_id=sku_id, store_sku_id__isnull=False).update(
        pending_delta=F("pending_delta") + delta
    ):
        queue_sku(sku_id)


def queue_sku(sku_id: int) -> bool:
    row = (
        StoreSku.objects.filter(sku_id=sku_id, store_sku_id__isnull=False)
        .values_list("stock_generation", flat=True)
        .first()
    )
    if row is None:
        return False
    enqueue("wechat_store", "store.stock_sync", {"sku_id": sku_id}, key=f"wechat_store:stock:{sku_id}:{row}")
    return True


def queue_sku_by_store_id(store_sku_id: str) -> bool:
    sku_id = StoreSku.objects.filter(store_sku_id=store_sku_id).values_list("sku_id", flat=True).first()
    if sku_id is None:
        return False
    with transaction.atomic():
        return queue_sku(sku_id)


INSUFFICIENT_STOCK = 10020219


def push_stock(sku_id: int) -> dict:
    """Outbox handler body: send the SKU's pending local change to the Store."""
    with transaction.atomic():
        row = (
            StoreSku.objects.select_for_update().filter(sku_id=sku_id).select_related("store_product").first()
        )
        if row is None or not row.store_sku_id or not row.store_product.store_product_id:
            return {"skipped": "not synced"}
        delta = row.pending_delta
        StoreSku.objects.filter(pk=row.pk).update(
            pending_delta=F("pending_delta") - delta, stock_generation=F("stock_generation") + 1
        )
    if not delta:
        return {"delta": 0}
    product_id = row.store_product.store_product_id
    try:
        client("store").store.stock_update(
            product_id, row.store_sku_id, STOCK_ADD if delta > 0 else STOCK_SUB, abs(delta)
        )
    except WeChatError as exc:
        if exc.errcode == INSUFFICIENT_STOCK:
            return _repair(product_id, row.store_sku_id, sku_id)
        # Not sent: give the change back so the retry (or the next change's row) sends it.
        StoreSku.objects.filter(pk=row.pk).update(pending_delta=F("pending_delta") + delta)
        raise
    return {"delta": delta}


def _target(sku_id: int) -> int:
    """What the Store should show now: local stock minus the changes still queued for it."""
    local = SKU.objects.filter(pk=sku_id).values_list("stock", flat=True).first() or 0
    pending = StoreSku.objects.filter(sku_id=sku_id).values_list("pending_delta", flat=True).first() or 0
    return local - pending


def _repair(product_id: str, store_sku_id: str, sku_id: int, store: int | None = None) -> dict:
    """Make the Store equal to local stock by difference. `store` is the Store's stock as just listed
    (reconciliation); without it the Store is read first."""
    service = client("store").store
    if store is None:
        store = service.stock_get(product_id, store_sku_id).normal
    target = _target(sku_id)
    delta = target - store
    if delta:
        service.stock_update(product_id, store_sku_id, STOCK_ADD if delta > 0 else STOCK_SUB, abs(delta))
    return {"target": target, "store": store, "delta": delta}


@dataclass
class Synced:
    pk: int
    sku_id: int
    store_sku_id: str
    product_id: str


def synced_skus() -> list[Synced]:
    rows = StoreSku.objects.filter(
        store_sku_id__isnull=False, store_product__store_product_id__isnull=False
    ).values_list("pk", "sku_id", "store_sku_id", "store_product__store_product_id")
    return [
        Synced(*r) for r in rows.order_by("store_product__store_product_id", "pk").iterator(chunk_size=5000)
    ]


def _batches(skus: list[Synced], size: int) -> Iterator[tuple[list[str], list[Synced]]]:
    """Groups of at most `size` products (all their SKUs), in product order."""
    products: list[str] = []
    members: list[Synced] = []
    for s in skus:
        if not products or products[-1] != s.product_id:
            if len(products) == size:
                yield products, members
                products, members = [], []
            products.append(s.product_id)
        members.append(s)
    if products:
        yield products, members


def diff(
    members: list[Synced], store: dict[tuple[str, str], int], local: dict[int, int]
) -> list[tuple[Synced, int, int]]:
    """(sku, local, store) for every SKU whose Store stock differs (a SKU missing on the Store counts as 0)."""
    return [
        (s, local.get(s.sku_id, 0), store.get((s.product_id, s.store_sku_id), 0))
        for s in members
        if local.get(s.sku_id, 0) != store.get((s.product_id, s.store_sku_id), 0)
    ]


def reconcile(*, batch: int | None = None) -> StockRun:
    batch = batch or settings.STORE_STOCK_BATCH
    run = StockRun.objects.create()
    service = client("store").store
    checked = drifted = repaired = failed = 0
    timings = {"list": 0.0, "diff": 0.0, "repair": 0.0}
    try:
        for product_ids, members in _batches(synced_skus(), batch):
            started = time.perf_counter()
            store = {(s.product_id, s.sku_id): s.normal for s in service.stock_batchget(product_ids)}
            ids = [m.sku_id for m in members]
            local = dict(SKU.objects.filter(pk__in=ids).values_list("pk", "stock"))
            for sku_id, pending in (
                StoreSku.objects.filter(sku_id__in=ids)
                .exclude(pending_delta=0)
                .values_list("sku_id", "pending_delta")
            ):
                local[sku_id] = local.get(sku_id, 0) - pending  # queued changes will reach the Store anyway
            timings["list"] += time.perf_counter() - started
            started = time.perf_counter()
            found = diff(members, store, local)
            timings["diff"] += time.perf_counter() - started
            checked += len(members)
            started = time.perf_counter()
            drifts = []
            for s, local_stock, store_stock in found:
                drifted += 1
                try:
                    _repair(s.product_id, s.store_sku_id, s.sku_id, store_stock)
                    repaired += 1
                    drifts.append(
                        StockDrift(
                            run=run,
                            store_sku_id=s.pk,
                            local_stock=local_stock,
                            store_stock=store_stock,
                            repaired=True,
                        )
                    )
                except WeChatError as exc:
                    failed += 1
                    drifts.append(
                        StockDrift(
                            run=run,
                            store_sku_id=s.pk,
                            local_stock=local_stock,
                            store_stock=store_stock,
                            error=f"errcode {exc.errcode}: {exc.errmsg}"[:300],
                        )
                    )
            StockDrift.objects.bulk_create(drifts)
            timings["repair"] += time.perf_counter() - started
    except WeChatError as exc:
        run.error = f"errcode {exc.errcode}: {exc.errmsg}"[:1000]
        logger.warning("stock reconciliation stopped: %s", exc)
    run.checked, run.drifted, run.repaired, run.failed = checked, drifted, repaired, failed
    run.finished_at = timezone.now()
    run.save(update_fields=["checked", "drifted", "repaired", "failed", "finished_at", "error"])
    run.timings = timings
    return run
