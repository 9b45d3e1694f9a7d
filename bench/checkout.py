"""Checkout benchmark: a flash-sale rush over HTTP against gunicorn + PostgreSQL.

    python3 -m uv run python bench/checkout.py [--stock 500] [--extra 100] [--concurrency 32] [--skus 1]

Uses DATABASE_URL when it points at PostgreSQL; otherwise starts a private PostgreSQL cluster in a temp
dir (Debian's binaries, as in MACHINE-NOTES) and removes it at the end. It migrates that database,
creates one flash-sale SKU with `stock` units and `stock + extra` buyers (each with an address and a
session written straight into the session table), starts gunicorn on a free loopback port, and lets
every buyer POST one order at once over `concurrency` keep-alive connections. Then it measures /healthz
on the same server with the same client and concurrency, and prints:

    orders/s (successful orders ÷ time until the last one was placed), p50/p99 latency of the order
    requests, successful orders, oversold (orders beyond stock, checked in the database: must be 0),
    and the ratio orders/s ÷ healthz req/s (target ≥ 0.5).

`--skus K` spreads the stock over K flash-sale SKUs: comparing K=1 (every buyer on one row) with K=50
tells how much of the cost is contention on the hot rows rather than per-order work.

Everything it started (gunicorn, PostgreSQL) is stopped before it exits, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
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
    start_gunicorn,
)


# --- data -----------------------------------------------------------------------------------------------
def prepare(stock: int, buyers: int, skus: int = 1) -> dict:
    """Migrate, then create the flash-sale SKU(s) (stock split evenly) and the buyers with sessions,
    buyer i aiming at SKU i mod `skus`. Runs in this process."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from wxmall.catalog.models import SKU, Category, Product
    from wxmall.checkout.models import FlashSale

    run = secrets.token_hex(3)
    with transaction.atomic():
        category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "压测"})
        now = timezone.now()
        sales = []
        for k in range(skus):
            product = Product.objects.create(
                category=category, title=f"压测秒杀笔记本 {run}-{k}", brand="压测", min_price=399900
            )
            units = stock // skus + (1 if k < stock % skus else 0)
            sku = SKU.objects.create(
                product=product,
                code=f"BENCH-{run}-{k}",
                price=599900,
                list_price=699900,
                stock=units,
                memory="16GB",
                storage="1TB",
            )
            sales.append(
                FlashSale.objects.create(
                    sku=sku,
                    title=f"压测秒杀 {run}-{k}",
                    price=399900,
                    quota=units,
                    per_user_limit=1,
                    starts_at=now - timedelta(minutes=1),
                    ends_at=now + timedelta(hours=1),
                )
            )
        users, addresses = make_buyers(f"bench-{run}", buyers)
        store = SessionStore()
        expires = now + timedelta(hours=2)
        sessions = []
        for user in users:
            key = secrets.token_hex(16)
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        Session.objects.bulk_create(sessions)
    return {
        "skus": [sale.sku_id for sale in sales],
        "flash_sales": [sale.pk for sale in sales],
        "stock": stock,
        "buyers": [
            (s.session_key, a.pk, sales[i % skus].sku_id, sales[i % skus].pk)
            for i, (s, a) in enumerate(zip(sessions, addresses, strict=True))
        ],
    }


def verify(info: dict) -> dict:
    from django.db import connections

    from wxmall.catalog.models import SKU
    from wxmall.checkout.models import FlashSale
    from wxmall.orders.models import Order

    connections.close_all()
    orders = Order.objects.filter(lines__sku_id__in=info["skus"]).distinct().count()
    stock_left = sum(SKU.objects.filter(pk__in=info["skus"]).values_list("stock", flat=True))
    sold = sum(FlashSale.objects.filter(pk__in=info["flash_sales"]).values_list("sold", flat=True))
    return {
        "orders": orders,
        "stock_left": stock_left,
        "flash_sold": sold,
        "oversold": max(0, orders - info["stock"]),
        "negative_stock": SKU.objects.filter(pk__in=info["skus"], stock__lt=0).count(),
        "consistent": orders == sold == info["stock"] - stock_left,
    }


def place(base: str):
    csrf = secrets.token_hex(16)  # 32 chars: Django accepts an unmasked secret equal to the cookie
    host = base.removeprefix("http://")

    def request(job) -> bytes:
        session_key, address_id, sku_id, flash_sale_id = job
        body = json.dumps(
            {
                "items": [{"sku_id": sku_id, "quantity": 1}],
                "address_id": address_id,
                "flash_sale_id": flash_sale_id,
                "idempotency_key": f"bench-{session_key[:12]}",
            }
        ).encode()
        head = (
            f"POST /api/checkout/orders HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-CSRFToken: {csrf}\r\nCookie: sessionid={session_key}; csrftoken={csrf}\r\n\r\n"
        )
        return head.encode() + body

    return request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stock", type=int, default=500)
    parser.add_argument(
        "--extra", type=int, default=100, help="buyers beyond stock (they must all be refused)"
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--skus",
        type=int,
        default=1,
        help="spread the stock over this many flash-sale SKUs (1 = one hot row)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    args = parser.parse_args()

    with ExitStack() as stack:
        _var_dir, env = bench_env(stack, MERCHANT_WEBHOOK_URL="")

        t0 = time.perf_counter()
        info = prepare(args.stock, args.stock + args.extra, args.skus)
        print(
            f"setup: {len(info['buyers'])} buyers, stock {args.stock} over {args.skus} flash-sale SKU(s), {time.perf_counter() - t0:.1f}s"
        )
        base = start_gunicorn(stack, env, args.workers, args.threads, args.worker_class)
        hammer(base, list(range(500)), args.concurrency, healthz(base))  # warm up every worker

        results, wall = hammer(base, info["buyers"], args.concurrency, place(base))
        ok = [r for r in results if r[0] == 201]
        statuses = {}
        for status, *_ in results:
            statuses[status] = statuses.get(status, 0) + 1
        last_success = max((r[2] for r in ok), default=wall)
        orders_per_s = len(ok) / last_success if ok else 0.0
        latencies = [r[1] * 1000 for r in results]

        health, health_wall = hammer(
            base, list(range(max(5000, len(results)))), args.concurrency, healthz(base)
        )
        health_ok = sum(1 for r in health if r[0] == 200)
        health_per_s = health_ok / health_wall
        check = verify(info)

        print(
            f"server: gunicorn {args.worker_class} {args.workers} workers × {args.threads} threads; "
            f"client: {args.concurrency} keep-alive connections (asyncio, one thread)"
        )
        print(f"order requests: {len(results)} in {wall:.2f}s, statuses {dict(sorted(statuses.items()))}")
        print(f"successful orders: {len(ok)} (stock {args.stock})")
        print(f"orders/s: {orders_per_s:.0f}")
        print(
            f"order latency ms: p50 {statistics.median(latencies):.1f}  p99 {percentile(latencies, 99):.1f}"
        )
        print(
            f"healthz req/s: {health_per_s:.0f}  (p50 {statistics.median(r[1] * 1000 for r in health):.1f} ms)"
        )
        print(
            f"oversold: {check['oversold']}  (db: {check['orders']} orders, flash sold {check['flash_sold']}, "
            f"stock left {check['stock_left']}, consistent={check['consistent']})"
        )
        ratio = orders_per_s / health_per_s if health_per_s else 0.0
        print(f"ratio orders/s ÷ healthz req/s: {ratio:.2f}  (target ≥ 0.5)")
        return (
            0
            if check["oversold"] == 0
            and not check["negative_stock"]
            and check["consistent"]
            and len(ok) == args.stock
            else 1
        )


if __name__ == "__main__":
    sys.exit(main())
