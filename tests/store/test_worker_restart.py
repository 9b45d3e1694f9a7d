"""A real Celery worker killed with SIGKILL in the middle of a catalogue sync of several products and in the
middle of the Store order listing, then a fresh worker: every product is on the Store exactly once, every
Store order exists exactly once locally, and stock agrees on both sides. The worker is a real `celery
worker` process on the test database and broker, talking to a live wxsandbox Store.

What the catalogue kill covers: the worker dies while a product's `product/get` (slowed by a fault) is in
flight, i.e. after that product's add was answered and its Store id committed locally; the retried row must
update it, not add it again. The other window, a worker dying between the Store committing an add and
the hub storing its answer, is hit on purpose in test_faults.py (wxsandbox's `after_handling` fault loses
the answer of a handled `product/add`): the retry finds the product by its out_product_id first."""

import os
import signal
import subprocess
import time
from collections import Counter

import pytest
from django.conf import settings as django_settings

from helpers.worker import start_worker, worker_env
from wxmall.catalog.models import SKU
from wxmall.core import tasks as core_tasks
from wxmall.core.models import OutboxMessage, OutboxStatus
from wxmall.orders.models import Order
from wxmall.store import tasks
from wxmall.store.actions import binding, products
from wxmall.store.models import StoreOrder, StoreProduct, StoreSku
from wxmall.store.stock_sync import reconcile
from wxmall.store.testing import make_store_product

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
PRODUCTS = 6
QUEUE = "store-restart"  # its own queue: the suite's broker folder holds other tests' unconsumed kicks
PC = ["10000111", "10000113", "6091"]
STOCK = 20


def store_env(sandbox) -> dict[str, str]:
    store = django_settings.WECHAT_APPS["store"]
    return worker_env(
        WECHAT_API_BASE=sandbox.base_url,
        WECHAT_STORE_APPID=store["appid"],
        WECHAT_STORE_SECRET=store["secret"],
        WECHAT_STORE_PUSH_TOKEN=django_settings.WECHAT_STORE_PUSH_TOKEN,
        WECHAT_STORE_PUSH_AES_KEY=django_settings.WECHAT_STORE_PUSH_AES_KEY,
        # A row claimed by the killed worker is taken over 3 s later, not after the default 15 s.
        OUTBOX_HTTP_TIMEOUT_SECONDS="2",
        OUTBOX_LEASE_MARGIN_SECONDS="1",
    )


def kill(worker: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    worker.wait(20)


def wait_until(predicate, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def added() -> int:
    return StoreProduct.objects.filter(store_product_id__isnull=False).count()


def remote_products(sandbox) -> list[dict]:
    return sandbox.control("GET", "store/products")["products"]


def test_a_worker_killed_mid_catalogue_sync_and_mid_order_listing(wx_store):
    for n in range(PRODUCTS):
        product = make_store_product(
            f"家用办公台式电脑主机 第{n}款",
            mapped=False,
            brand="自有",
            skus=[{"price": 399_900 + n, "list_price": 459_900, "stock": STOCK, "memory": "16G"}],
        )
        binding.map_category(product.category_id, PC, "台式机")
        products.start_sync(product.pk)
    assert OutboxMessage.objects.filter(kind="store.product_sync").count() == PRODUCTS
    env = store_env(wx_store)

    # -- catalogue sync: every add answers, then each product/get is slow; killed after two adds -------
    wx_store.add_fault(target="/channels/ec/product/get", latency_ms=700)
    first = start_worker(env, QUEUE)
    try:
        core_tasks.relay_outbox.apply_async(queue=QUEUE)
        wait_until(lambda: added() >= 2, "the first worker never added a product")
    finally:
        kill(first)
    assert 2 <= added() < PRODUCTS, "the worker was not killed mid-sync"
    wx_store.clear_faults()

    second = start_worker(env, QUEUE)
    try:
        core_tasks.relay_outbox.apply_async(queue=QUEUE)
        wait_until(
            lambda: (
                OutboxMessage.objects.filter(kind="store.product_sync", status=OutboxStatus.DELIVERED).count()
                == PRODUCTS
            ),
            "the restarted worker did not finish the catalogue",
            timeout=60,
        )
        remote = remote_products(wx_store)
        # Exactly one Store product per local product: a product whose add committed is never re-added.
        counts = Counter(p["out_product_id"] for p in remote)
        local_ids = {str(pk) for pk in StoreProduct.objects.values_list("product_id", flat=True)}
        assert set(counts) == local_ids and set(counts.values()) == {1}, counts
        assert {p["product_id"] for p in remote} == set(
            StoreProduct.objects.values_list("store_product_id", flat=True)
        )
        assert StoreSku.objects.filter(store_sku_id__isnull=False).count() == PRODUCTS

        # -- buyers order on the Store; the listing that mirrors them is killed mid-way -----------------
        placed = []
        for s in StoreSku.objects.select_related("store_product").order_by("pk"):
            for count in (1, 2):
                order = wx_store.control(
                    "POST",
                    "store/orders",
                    json={
                        "user": "xiaoming",
                        "product_id": s.store_product.store_product_id,
                        "sku_id": s.store_sku_id,
                        "count": count,
                    },
                )["order"]
                wx_store.control("POST", f"store/orders/{order['order_id']}/pay")
                placed.append(order["order_id"])
    finally:
        kill(second, signal.SIGTERM)

    wx_store.add_fault(target="/channels/ec/order/get", latency_ms=500)
    third = start_worker(env, QUEUE)
    try:
        tasks.poll_orders.apply_async(queue=QUEUE)
        wait_until(lambda: StoreOrder.objects.count() >= 2, "the worker never mirrored an order")
    finally:
        kill(third)
    assert 2 <= StoreOrder.objects.count() < len(placed), "the worker was not killed mid-listing"
    wx_store.clear_faults()

    fourth = start_worker(env, QUEUE)
    try:
        tasks.poll_orders.apply_async(queue=QUEUE)
        wait_until(lambda: StoreOrder.objects.count() == len(placed), "the restarted worker missed orders")
        tasks.poll_orders.apply_async(queue=QUEUE)  # and once more over the same window: nothing doubles
        core_tasks.relay_outbox.apply_async(queue=QUEUE)
        wait_until(
            lambda: not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists(),
            "stock pushes still pending",
            timeout=60,
        )
    finally:
        kill(fourth, signal.SIGTERM)

    assert sorted(StoreOrder.objects.values_list("store_order_id", flat=True)) == sorted(placed)
    assert Order.objects.filter(channel="wechat_store").count() == len(placed)
    # Each product sold 1 + 2 units: local stock took them once, and the Store agrees (no drift).
    assert set(SKU.objects.values_list("stock", flat=True)) == {STOCK - 3}
    remote_stock = {s["sku_id"]: s["stock"] for p in remote_products(wx_store) for s in p["skus"]}
    assert set(remote_stock.values()) == {STOCK - 3}, remote_stock
    assert reconcile().drifted == 0
