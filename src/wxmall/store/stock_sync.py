"""Stock between the hub and the Store: one pool, the hub's stock is the truth.

* Event-driven: `catalog.events.stock_changed` → one pending outbox row per synced SKU
  (`wechat_store:stock:<sku>:<generation>`, coalesced like products). The handler reads the local stock
  and the Store's afresh and sends the difference (`stock/update` diff_type 1/2, never "set": a Store
  order placed meanwhile keeps its decrement). Stock taken by a Store order (origin `wechat_store`) is
  not pushed: the Store counted it already.
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
    if origin != ORIGIN:
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


def push_stock(sku_id: int) -> dict:
    """Outbox handler body: make the Store's stock of one SKU equal to the local stock."""
    StoreSku.objects.filter(sku_id=sku_id).update(stock_generation=F("stock_generation") + 1)
    row = StoreSku.objects.filter(sku_id=sku_id).select_related("store_product").first()
    if row is None or not row.store_sku_id or not row.store_product.store_product_id:
        return {"skipped": "not synced"}
    return _repair(row.store_product.store_product_id, row.store_sku_id, sku_id)


def _repair(product_id: str, store_sku_id: str, sku_id: int) -> dict:
    service = client("store").store
    store = service.stock_get(product_id, store_sku_id).normal
    local = SKU.objects.filter(pk=sku_id).values_list("stock", flat=True).first() or 0
    delta = local - store
    if delta:
        service.stock_update(product_id, store_sku_id, STOCK_ADD if delta > 0 else STOCK_SUB, abs(delta))
    return {"local": local, "store": store, "delta": delta}


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
            local = dict(SKU.objects.filter(pk__in=[m.sku_id for m in members]).values_list("pk", "stock"))
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
                    _repair(s.product_id, s.store_sku_id, s.sku_id)  # re-reads both sides first
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
