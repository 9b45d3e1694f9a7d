"""Flash sale at scale: Redis admission, orders through the queue, and the ordinary order path, on the
deployment shape the README describes, on one machine.

    python3 -m uv run python bench/flash_sale.py [--stock 500] [--extra 100] [--concurrency 64]
                                                 [--ordinary 400] [--web-workers 2] [--flash-workers 2]

Starts (all private, all stopped at the end): PostgreSQL (or DATABASE_URL), Redis with AOF
(`appendfsync everysec`, noeviction; or REDIS_URL), two gunicorn instances standing for two web hosts,
HAProxy in front of them (round robin, keep-alive), and Celery workers on the `flash` queue. Sessions
are in Redis (REDIS_URL set). The client is bench/_harness's asyncio keep-alive client, through HAProxy.

Measured in the same run:
- /healthz through HAProxy: req/s and p99 (the baseline);
- admission: `stock + extra` buyers POST /api/checkout/flash-sales/{id}/tickets at once; req/s, p50/p99,
  and the ratio admission req/s ÷ healthz req/s (target ≥ 0.5). Warmed first, openly: every web
  process serves each measured path before the clock starts (healthz, admission refused by a sold-out
  warm-up sale, quotes), and every flash buyer asks the sold-out warm-up sale once, which fills the
  per-buyer entries admission caches (account session hash, address confirmed) as a buyer who presses
  before the start does. That first request per buyer is printed as the cold figure; the ratio is the
  warm figure;
- admission → order created: per admitted ticket, from the client receiving its ticket to the order row's
  created_at (p50/p99, target p99 ≤ 2 s), and orders materialised per second by the workers;
- 0 oversold: orders ≤ stock, `sold` = orders = stock taken, Redis's units left = quota − sold, every
  admitted ticket has exactly one order (exits non-zero otherwise);
- the ordinary order path: `--ordinary` buyers POST /api/checkout/orders for a normal SKU each (spread
  over 20 SKUs), orders/s and the ratio orders/s ÷ healthz req/s (target ≥ 0.15).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from contextlib import ExitStack

from _harness import (
    bench_env,
    hammer,
    healthz,
    make_buyers,
    percentile,
    start_celery_worker,
    start_gunicorn,
    start_haproxy,
    start_private_redis,
)


def prepare(stock: int, flash_buyers: int, ordinary_buyers: int) -> dict:
    """Migrate; create the flash-sale SKU, 20 ordinary SKUs, and the buyers with an address and a session
    (in the configured session engine: Redis here)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from datetime import timedelta
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import transaction
    from django.utils import timezone

    from wxmall.catalog.models import SKU, Category, Product
    from wxmall.checkout.models import FlashSale

    run = secrets.token_hex(3)
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    with transaction.atomic():
        category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "压测"})
        now = timezone.now()
        product = Product.objects.create(
            category=category, title=f"压测秒杀笔记本 {run}", brand="压测", min_price=1
        )
        flash_sku = SKU.objects.create(
            product=product, code=f"FLASH-{run}", price=599900, list_price=699900, stock=stock, memory="16GB"
        )
        sale = FlashSale.objects.create(
            sku=flash_sku,
            title=f"压测秒杀 {run}",
            price=399900,
            quota=stock,
            per_user_limit=1,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(hours=1),
        )
        warmup = FlashSale.objects.create(
            sku=flash_sku,
            title=f"压测预热 {run}",
            price=399900,
            quota=1,
            sold=1,  # nothing left: warming up admission changes nothing
            per_user_limit=1,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(hours=1),
        )
        ordinary = [
            SKU.objects.create(
                product=Product.objects.create(
                    category=category, title=f"压测配件 {run}-{k}", brand="压测", min_price=1
                ),
                code=f"PLAIN-{run}-{k}",
                price=19900,
                list_price=29900,
                stock=10**6,
            )
            for k in range(20)
        ]
        users, addresses = make_buyers(f"fs-{run}", flash_buyers + ordinary_buyers)
    sessions = []
    for user in users:
        session = store_class()
        session.update(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
        )
        session.create()
        sessions.append(session.session_key)
    buyers = list(zip(sessions, [a.pk for a in addresses], strict=True))
    return {
        "sale": sale.pk,
        "warmup_sale": warmup.pk,
        "flash_sku": flash_sku.pk,
        "ordinary_skus": [s.pk for s in ordinary],
        "stock": stock,
        "flash_buyers": buyers[:flash_buyers],
        "ordinary_buyers": buyers[flash_buyers:],
    }


def _post(host: str, path: str, session: str, body: dict) -> bytes:
    csrf = "b" * 32  # an unmasked secret equal to the cookie: Django accepts it
    data = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\nX-CSRFToken: {csrf}\r\n"
        f"Cookie: sessionid={session}; csrftoken={csrf}\r\n\r\n"
    )
    return head.encode() + data


def admit_request(base: str, sale_id: int):
    host = base.removeprefix("http://")

    def request(job) -> bytes:
        session, address_id = job
        body = {"address_id": address_id, "idempotency_key": f"b-{session[:16]}"}
        return _post(host, f"/api/checkout/flash-sales/{sale_id}/tickets", session, body)

    return request


def quote_request(base: str, skus: list[int]):
    host = base.removeprefix("http://")

    def request(job) -> bytes:
        session, _ = job
        return _post(host, "/api/checkout/quote", session, {"items": [{"sku_id": skus[0], "quantity": 1}]})

    return request


def order_request(base: str, skus: list[int]):
    host = base.removeprefix("http://")
    counter = iter(range(10**9))

    def request(job) -> bytes:
        session, address_id = job
        sku = skus[next(counter) % len(skus)]
        body = {"items": [{"sku_id": sku, "quantity": 1}], "address_id": address_id, "idempotency_key": "o-1"}
        return _post(host, "/api/checkout/orders", session, body)

    return request


def wait_for_flash_workers(redis_url: str, timeout: float = 180) -> None:
    """Until a worker on the `flash` queue has run a drain: the admission phase must not measure the
    workers' start-up. The probe is a real drain task; a drain that finds the stream empty clears the
    kick marker, which is what is watched."""
    import redis

    from wxmall.celery import app
    from wxmall.checkout import flash_store

    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client.set(flash_store.KICK, "probe")
        app.send_task("wxmall.checkout.drain_flash_tickets", queue="flash", expires=5)
        for _ in range(10):
            time.sleep(0.2)
            if not client.exists(flash_store.KICK):
                return
    raise SystemExit("no Celery worker took a flash drain task")


def wait_for_orders(info: dict, admitted: int, timeout: float) -> None:
    from django.db import connections

    from wxmall.orders.models import Order

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connections.close_all()
        if Order.objects.filter(lines__flash_sale_id=info["sale"]).count() >= admitted:
            return
        time.sleep(0.2)


def verify(info: dict, tickets: dict[str, float]) -> dict:
    """tickets: ticket id → epoch seconds the client got it."""
    import redis
    from django.conf import settings
    from django.db import connections

    from wxmall.catalog.models import SKU
    from wxmall.checkout import admission
    from wxmall.checkout.models import FlashSale
    from wxmall.orders.models import Order

    connections.close_all()
    rows = list(
        Order.objects.filter(lines__flash_sale_id=info["sale"]).values_list("idempotency_key", "created_at")
    )
    made = {key: created.timestamp() for key, created in rows}
    sale = FlashSale.objects.get(pk=info["sale"])
    stock_left = SKU.objects.get(pk=info["flash_sku"]).stock
    left = int(
        redis.Redis.from_url(settings.FLASH_SALE_REDIS_URL).hget(f"wxmall:flash:sale:{sale.pk}", "left")
    )
    delays = [
        max(0.0, made[admission.order_key(t)] - at)
        for t, at in tickets.items()
        if admission.order_key(t) in made
    ]
    created = sorted(made.values())
    return {
        "orders": len(rows),
        "distinct": len(made),
        "lost": sum(1 for t in tickets if admission.order_key(t) not in made),
        "oversold": max(0, len(rows) - info["stock"]),
        "sold": sale.sold,
        "stock_taken": info["stock"] - stock_left,
        "redis_left": left,
        "consistent": len(rows) == len(made) == sale.sold == info["stock"] - stock_left
        and left == sale.quota - sale.sold,
        "delays": delays,
        "materialised_per_s": (len(created) - 1) / (created[-1] - created[0]) if len(created) > 1 else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stock", type=int, default=500)
    parser.add_argument("--extra", type=int, default=100, help="buyers beyond stock (refused: sold out)")
    parser.add_argument("--ordinary", type=int, default=400, help="buyers of the ordinary order path")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per web host")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--flash-workers", type=int, default=2, help="Celery processes on the flash queue")
    args = parser.parse_args()

    with ExitStack() as stack:
        redis_url = os.environ.get("REDIS_URL") or start_private_redis(stack)
        _var_dir, env = bench_env(
            stack,
            REDIS_URL=redis_url,
            FLASH_SALE_REDIS_URL=redis_url,
            CELERY_BROKER_URL=redis_url.rsplit("/", 1)[0] + "/1",
            MERCHANT_WEBHOOK_URL="",
        )

        t0 = time.perf_counter()
        info = prepare(args.stock, args.stock + args.extra, args.ordinary)
        print(
            f"setup: stock {args.stock}, {len(info['flash_buyers'])} flash buyers, "
            f"{len(info['ordinary_buyers'])} ordinary buyers, {time.perf_counter() - t0:.1f}s"
        )
        hosts = [start_gunicorn(stack, env, args.web_workers, args.threads, "gthread") for _ in range(2)]
        base = start_haproxy(stack, hosts)
        start_celery_worker(stack, env, queues="flash", concurrency=args.flash_workers, name="flash")
        print(
            f"topology: HAProxy {base} → 2 gunicorn hosts × {args.web_workers} workers × {args.threads} threads; "
            f"{args.flash_workers} Celery processes on queue flash; PostgreSQL; Redis (AOF everysec, sessions)"
        )
        # Warm up every worker and thread on each path measured below (imports, connections, the Lua
        # script loaded into Redis), with requests that change nothing: a sale with no units left.
        hammer(base, list(range(1000)), args.concurrency, healthz(base))
        hammer(base, info["ordinary_buyers"], args.concurrency, admit_request(base, info["warmup_sale"]))
        hammer(base, info["ordinary_buyers"], args.concurrency, quote_request(base, info["ordinary_skus"]))
        # Each flash buyer's first request fills what admission caches per buyer (the account's session
        # hash, the address confirmed as theirs): a buyer waiting on the sale page who presses early. It
        # is measured and printed as the cold figure; the admission figure below is the warm one.
        cold, cold_wall = hammer(
            base, info["flash_buyers"], args.concurrency, admit_request(base, info["warmup_sale"])
        )
        cold_refused = sum(1 for r in cold if r[0] == 409)
        wait_for_flash_workers(redis_url)

        health, health_wall = hammer(base, list(range(6000)), args.concurrency, healthz(base))
        health_ok = sum(1 for r in health if r[0] == 200)
        health_per_s = health_ok / health_wall
        health_p99 = percentile([r[1] * 1000 for r in health], 99)

        results, wall = hammer(
            base, info["flash_buyers"], args.concurrency, admit_request(base, info["sale"]), keep_body=True
        )
        statuses: dict[int, int] = {}
        tickets: dict[str, float] = {}
        for status, _, _, _, body, at in results:
            statuses[status] = statuses.get(status, 0) + 1
            if status in (201, 202):
                tickets[json.loads(body)["ticket"]] = at
        admission_per_s = len(results) / wall
        latencies = [r[1] * 1000 for r in results]
        wait_for_orders(info, len(tickets), timeout=120)
        check = verify(info, tickets)

        ordinary, ordinary_wall = hammer(
            base, info["ordinary_buyers"], args.concurrency, order_request(base, info["ordinary_skus"])
        )
        ordinary_ok = [r for r in ordinary if r[0] == 201]
        last = max((r[2] for r in ordinary_ok), default=ordinary_wall)
        ordinary_per_s = len(ordinary_ok) / last if ordinary_ok else 0.0
        ordinary_statuses: dict[int, int] = {}
        for r in ordinary:
            ordinary_statuses[r[0]] = ordinary_statuses.get(r[0], 0) + 1

        print(
            f"healthz req/s: {health_per_s:.0f}  (p50 {statistics.median(r[1] * 1000 for r in health):.1f} ms, p99 {health_p99:.1f} ms)"
        )
        print(
            f"first admission request per buyer (cold per-buyer caches, warm-up sale sold out): "
            f"{len(cold) / cold_wall:.0f} req/s, {cold_refused}/{len(cold)} refused 409, "
            f"p99 {percentile([r[1] * 1000 for r in cold], 99):.1f} ms"
        )
        print(f"admission requests: {len(results)} in {wall:.2f}s, statuses {dict(sorted(statuses.items()))}")
        print(
            f"admission req/s: {admission_per_s:.0f}  (p50 {statistics.median(latencies):.1f} ms, "
            f"p99 {percentile(latencies, 99):.1f} ms; healthz p99 {health_p99:.1f} ms)"
        )
        delays = check["delays"]
        print(
            f"admission → order created: p50 {statistics.median(delays) if delays else float('nan'):.2f}s, "
            f"p99 {percentile(delays, 99):.2f}s (target ≤ 2 s)"
        )
        print(
            f"orders materialised/s: {check['materialised_per_s']:.0f}  ({args.flash_workers} worker processes)"
        )
        print(
            f"oversold: {check['oversold']}  lost admitted buyers: {check['lost']}  (db: {check['orders']} orders, "
            f"sold {check['sold']}, stock taken {check['stock_taken']}, Redis left {check['redis_left']}, "
            f"consistent={check['consistent']})"
        )
        print(
            f"ordinary orders/s: {ordinary_per_s:.0f}  ({len(ordinary_ok)} placed, statuses "
            f"{dict(sorted(ordinary_statuses.items()))})"
        )
        ratio = admission_per_s / health_per_s if health_per_s else 0.0
        ordinary_ratio = ordinary_per_s / health_per_s if health_per_s else 0.0
        print(f"ordinary ratio orders/s ÷ healthz req/s: {ordinary_ratio:.2f}  (target ≥ 0.15)")
        print(f"ratio admission req/s ÷ healthz req/s: {ratio:.2f}  (target ≥ 0.5)")
        ok = (
            check["oversold"] == 0
            and check["lost"] == 0
            and check["consistent"]
            and len(tickets) == args.stock
            and len(ordinary_ok) == len(info["ordinary_buyers"])
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
