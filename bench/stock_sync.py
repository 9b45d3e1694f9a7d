"""Stock sync benchmark: the hub's reconciliation and event-driven stock pushes against wxsandbox's Store.

    python3 -m uv run python bench/stock_sync.py [--skus 100000] [--drift 0.03] [--load-seconds 10]

Starts wxsandbox in-process (its real HTTP server on a random loopback port) and the hub on a private
SQLite database (or DATABASE_URL). Seeds `skus` synced SKUs: products of 500 SKUs each (the Store's
per-product maximum) added through `product/add`, their Store ids learnt through `product/get`, the hub's
catalogue and mapping rows written in bulk. Then `drift` of them are changed on WeChat's side
(`/sandbox/store/stock`) and one full reconciliation runs (list via `stock/batchget`, diff, re-read and
repair each drifted SKU by difference, one `stock/update` each). Printed:

  * full cycle time (target ≤ 60 s) and the diff alone (target ≤ 1 s), summed over batches;
  * `ratio` = full cycle / the same number of bare Store API calls (`basics/info/get`) made in the same
    run: the hub's own cost on top of WeChat's latency;
  * event-driven lag under order load: worker threads relay the outbox (as Celery workers do) while buyer
    threads take stock; lag = a stock row's enqueue → its delivery to the Store; p50/p99 (target ≤ 5 s).

Exits 1 if any drift is left unrepaired (a second reconciliation must find none and the Store must
equal the hub everywhere) or if stock pushed under load did not reach the Store.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
SKUS_PER_PRODUCT = 500
PC = ["10000111", "10000113", "6091"]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def setup_hub(sandbox, db_dir: str) -> None:
    from wxsandbox.config import STORE

    app = sandbox.app_of_kind(STORE)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "wxmall.settings",
            "WXMALL_DEMO": "1",
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{db_dir}/bench.sqlite3",
            "WECHAT_API_BASE": sandbox.base_url,
            "WECHAT_STORE_APPID": app.appid,
            "WECHAT_STORE_SECRET": app.secret,
            "WECHAT_STORE_PUSH_TOKEN": app.token,
            "WECHAT_STORE_PUSH_AES_KEY": app.encoding_aes_key,
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def seed(sandbox, n_skus: int) -> tuple[int, float]:
    """Products on the Store and the hub's matching rows; returns (SKUs, seconds)."""
    from wxmall.catalog.models import SKU, Category, Product
    from wxmall.store.actions import binding
    from wxmall.store.models import CategoryMapping, StoreProduct, StoreSku, SyncState
    from wxmall.wechat import client

    started = time.perf_counter()
    binding.connect()
    service = client("store").store
    images = [service.upload_image(_png(shade), f"bench-{shade}.png").img_url for shade in (40, 120, 200)]
    img = images[0]
    category = Category.objects.create(name="台式机", slug=f"bench-{random.randrange(10**9)}")
    CategoryMapping.objects.create(category=category, store_path=PC, store_names="台式机")
    made = 0
    n = 0
    while made < n_skus:
        count = min(SKUS_PER_PRODUCT, n_skus - made)
        product = Product.objects.create(
            category=category, title=f"基准测试台式电脑主机 {n:05d}", brand="自有", images=images
        )
        skus = SKU.objects.bulk_create(
            [
                SKU(product=product, code=f"B{n:05d}-{i:03d}", price=399_900, stock=50, memory="16G")
                for i in range(count)
            ]
        )
        spu = {
            "out_product_id": str(product.pk),
            "title": product.title,
            "head_imgs": images,
            "desc_info": {"imgs": images[:1], "desc": ""},
            "cats_v2": [{"cat_id": c} for c in PC],
            "attrs": [{"attr_key": "品牌", "attr_value": "自有"}],
            "brand_id": "2100000000",
            "deliver_method": 0,
            "skus": [
                {
                    "out_sku_id": str(s.pk),
                    "thumb_img": img,
                    "sale_price": s.price,
                    "market_price": s.price,
                    "stock_num": s.stock,
                    "sku_code": s.code[:20],
                    "sku_attrs": [{"attr_key": "内存容量", "attr_value": "16G"}],
                }
                for s in skus
            ],
            "listing": 1,
        }
        store_id = service.product_add(spu).product_id
        detail = service.product_get(store_id)
        ids = (detail.online or detail.draft).sku_ids
        sp = StoreProduct.objects.create(
            product=product,
            store_product_id=store_id,
            state=SyncState.LIVE,
            wanted_version=1,
            pushed_version=1,
        )
        StoreSku.objects.bulk_create(
            [StoreSku(sku=s, store_product=sp, store_sku_id=ids[str(s.pk)]) for s in skus], batch_size=1000
        )
        made += count
        n += 1
    return made, time.perf_counter() - started


def _png(shade: int) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (800, 800), (shade, shade, shade)).save(buffer, "PNG")
    return buffer.getvalue()


def bare_calls(count: int) -> float:
    from wxmall.wechat import client

    wx = client("store")
    started = time.perf_counter()
    for _ in range(count):
        wx.get("/channels/ec/basics/info/get", api="bench.baseline")
    return time.perf_counter() - started


def drift(sandbox, share: float) -> int:
    from wxmall.store.models import StoreSku

    ids = list(StoreSku.objects.values_list("store_sku_id", flat=True))
    chosen = random.Random(12).sample(ids, max(1, int(len(ids) * share)))
    for start in range(0, len(chosen), 2000):
        items = [
            {"sku_id": sku_id, "stock": random.randrange(0, 49)} for sku_id in chosen[start : start + 2000]
        ]
        sandbox.control("POST", "store/stock", json={"items": items})
    return len(chosen)


def load(seconds: float, buyers: int, workers: int) -> tuple[list[float], int]:
    """Buyers take stock from random synced SKUs while workers relay the outbox; returns lags (s)."""
    from django.db import connection, transaction

    from wxmall.catalog import stock
    from wxmall.core.models import OutboxMessage, OutboxStatus
    from wxmall.core.relay import relay
    from wxmall.store.models import StoreSku

    sku_ids = list(StoreSku.objects.values_list("sku_id", flat=True))
    since = time.time()
    stop = threading.Event()
    taken = [0]
    lock = threading.Lock()

    def buyer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            while not stop.is_set():
                with transaction.atomic():
                    ok = stock.take(rng.choice(sku_ids), 1)
                if ok:
                    with lock:
                        taken[0] += 1
                time.sleep(0.02)
        finally:
            connection.close()

    def worker() -> None:
        try:
            while (
                not stop.is_set()
                or OutboxMessage.objects.filter(kind="store.stock_sync", status=OutboxStatus.PENDING).exists()
            ):
                if not relay().delivered:
                    time.sleep(0.05)
        finally:
            connection.close()

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(buyers)]
    threads += [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    from datetime import UTC, datetime

    rows = OutboxMessage.objects.filter(
        kind="store.stock_sync", created_at__gte=datetime.fromtimestamp(since, tz=UTC)
    ).values_list("created_at", "delivered_at", "status")
    lags = [(d - c).total_seconds() for c, d, s in rows if s == OutboxStatus.DELIVERED and d]
    undelivered = sum(1 for _, _, s in rows if s != OutboxStatus.DELIVERED)
    return lags, undelivered + (0 if taken[0] else 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--drift", type=float, default=0.03)
    parser.add_argument("--load-seconds", type=float, default=10.0)
    parser.add_argument("--buyers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from wxsandbox.testing import configure, run_sandbox

    with tempfile.TemporaryDirectory() as db_dir, run_sandbox(configure(time_factor=0.001)) as sandbox:
        setup_hub(sandbox, db_dir)
        from wxmall.store.stock_sync import reconcile

        made, seed_s = seed(sandbox, args.skus)
        print(f"seeded {made} synced SKUs in {seed_s:.1f} s")
        drifted = drift(sandbox, args.drift)
        started = time.perf_counter()
        run = reconcile()
        cycle = time.perf_counter() - started
        from django.conf import settings

        n_products = -(-made // SKUS_PER_PRODUCT)
        calls = -(-n_products // settings.STORE_STOCK_BATCH) + run.repaired  # batchget calls + one per repair
        baseline = bare_calls(min(calls, 2000)) * calls / min(calls, 2000)
        print(
            f"full cycle: {cycle:.2f} s for {run.checked} SKUs, {run.drifted} drifted (set {drifted}), "
            f"{run.repaired} repaired, {run.failed} failed (target ≤ 60 s)"
        )
        print(
            f"  list {run.timings['list']:.2f} s, diff {run.timings['diff']:.3f} s (target ≤ 1 s), "
            f"repair {run.timings['repair']:.2f} s"
        )
        print(f"baseline: {calls} bare Store API calls ≈ {baseline:.2f} s")
        print(f"ratio {cycle / baseline:.2f} (full cycle / same number of bare API calls)")
        second = reconcile()
        print(f"second cycle: {second.drifted} drifted (must be 0)")

        lags, missing = load(args.load_seconds, args.buyers, args.workers)
        print(
            f"event-driven lag under load: {len(lags)} stock pushes, p50 {percentile(lags, 50):.2f} s, "
            f"p99 {percentile(lags, 99):.2f} s (target ≤ 5 s), {missing} not delivered"
        )
        third = reconcile()
        print(f"after load: {third.drifted} drifted (must be 0)")
        ok = run.failed == 0 and second.drifted == 0 and third.drifted == 0 and missing == 0
        ok = ok and run.drifted == drifted
        print("OK" if ok else "FAILED: drift left unrepaired or pushes lost")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
