"""Notify benchmark: WeChat Pay notifications posted concurrently to the running hub on PostgreSQL.

    python3 -m uv run python bench/notify.py [--orders 400] [--concurrency 32] [--quiet 10] [--relay-interval 5]
                                             [--broker redis|filesystem]

Starts (bench/_harness.py, shared by the HTTP benchmarks) a private PostgreSQL unless DATABASE_URL points at one,
a private Redis (Celery broker and cache, as deployed; `--broker filesystem` for the embedded default), gunicorn,
a Celery worker and a small merchant-webhook receiver. The worker does the notify's second half (applying the
stored notifications: the order paid, its outbox rows) and the outbox relay; it runs on the same 2 cores as
gunicorn during the burst, as it would on a small deployment. The hub is configured as a
merchant whose keys are generated for the run (public-key mode). It creates `orders` unpaid orders with
one Native attempt each, then posts for each a valid TRANSACTION.SUCCESS notification signed with the
WeChat Pay key and encrypted with the APIv3 key, plus the same notification again (half the posts are
duplicates, as WeChat retries), shuffled, over `concurrency` keep-alive connections. Then, once the worker has delivered the burst,
/healthz on the same server with the same client. Prints throughput, p50/p99 of the notify answers, the `ratio` of
notify/s to healthz/s (target ≥ 0.5), the notify → merchant-webhook-delivered latency through the outbox
(the seeds' target: order status synced < 3 s after the payment callback) for the burst and for `quiet`
more notifications sent one at a time (a normal day: nothing but the kick makes delivery fast, the
periodic relay runs every `relay-interval` s as deployed), and checks in the database that every order
was paid exactly once (exit 1 otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

from _harness import (
    ROOT,
    bench_env,
    hammer,
    healthz,
    percentile,
    start_gunicorn,
    start_private_redis,
    wait_for,
)


class Webhook:
    """The merchant's own system: records when each order's `paid` status change arrived."""

    def __init__(self) -> None:
        self.paid_at: dict[str, float] = {}
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                payload = json.loads(body).get("payload", {})
                if payload.get("to") == "paid":
                    with hook.lock:
                        hook.paid_at.setdefault(payload["order_no"], time.time())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def merchant_env(var_dir: Path) -> tuple[dict, object]:
    """A freshly generated merchant (wxsandbox's key generator), its keys written to files."""
    from wxsandbox.config import default_config, materialize
    from wxsandbox.state import State

    config = materialize(default_config(), State(":memory:"))
    merchant, appid = config.merchants[0], config.apps[0].appid
    keys = var_dir / "keys"
    keys.mkdir()
    (keys / "apiclient_key.pem").write_text(merchant.merchant_private_key_pem)
    (keys / "pub_key.pem").write_text(merchant.platform_public_key_pem)
    env = {
        "WECHAT_PAY_MCHID": merchant.mchid,
        "WECHAT_PAY_APPID": appid,
        "WECHAT_PAY_APIV3_KEY": merchant.apiv3_key,
        "WECHAT_PAY_MERCHANT_SERIAL": merchant.merchant_serial,
        "WECHAT_PAY_MERCHANT_KEY_FILE": str(keys / "apiclient_key.pem"),
        "WECHAT_PAY_PUBLIC_KEY_ID": merchant.platform_public_key_id,
        "WECHAT_PAY_PUBLIC_KEY_FILE": str(keys / "pub_key.pem"),
    }
    return env, merchant


def prepare(count: int) -> list:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from wxmall.accounts.models import User
    from wxmall.orders.models import Order
    from wxmall.payments.config import pay_config
    from wxmall.payments.models import Payment

    config = pay_config()
    run = f"{random.randrange(10**6):06d}"
    with transaction.atomic():
        user = User.objects.create(username=f"bench-notify-{run}")
        expires = timezone.now() + timedelta(hours=1)
        orders = Order.objects.bulk_create(
            [
                Order(
                    order_no=f"BN{run}{i:08d}",
                    user=user,
                    subtotal=599900,
                    total=599900,
                    ship_recipient="压测用户",
                    ship_phone="13800000000",
                    ship_province="广东省",
                    ship_city="深圳市",
                    ship_detail="科技园",
                    expires_at=expires,
                )
                for i in range(count)
            ]
        )
        return Payment.objects.bulk_create(
            [
                Payment(
                    order=o,
                    method="native",
                    appid=config.appid,
                    mchid=config.mchid,
                    amount=o.total,
                    out_trade_no=f"{o.order_no}_1",
                    code_url=f"weixin://wxpay/bizpayurl?pr=bench{i}",
                )
                for i, o in enumerate(orders)
            ]
        )


def notifications(merchant, payments: list) -> list[tuple[str, bytes, dict]]:
    from wxmall.payments.testing import signed_notification, transaction_resource

    clock = SimpleNamespace(rfc3339=lambda ts=None: "2026-12-01T20:00:00+08:00")
    sandbox = SimpleNamespace(clock=clock)
    out = []
    for p in payments:
        body, meta = signed_notification(sandbox, merchant, transaction_resource(p))
        headers = {k[5:].replace("_", "-").title(): v for k, v in meta.items()}
        out.append((p.order.order_no, body, headers))
    return out


def notify_request(base: str, sent: dict):
    host = base.removeprefix("http://")

    def request(job) -> bytes:
        order_no, body, headers = job
        sent.setdefault(order_no, time.time())
        head = f"POST /payments/notify/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += f"Content-Length: {len(body)}\r\n\r\n"
        return head.encode() + body

    return request


def paid_count(payments: list) -> int:
    from django.db import connections

    from wxmall.payments.models import Payment

    connections.close_all()
    return Payment.objects.filter(pk__in=[p.pk for p in payments], status="paid").count()


def applied_at(payments: list) -> dict[str, float]:
    """When the worker marked each attempt paid (its row's updated_at), by order number."""
    from django.db import connections

    from wxmall.payments.models import Payment

    connections.close_all()
    rows = Payment.objects.filter(pk__in=[p.pk for p in payments], status="paid").values_list(
        "order__order_no", "updated_at"
    )
    return {order_no: moment.timestamp() for order_no, moment in rows}


def verify(payments: list, notify_ids: list[str]) -> dict:
    from django.db import connections

    from wxmall.orders.models import Order, OrderEvent
    from wxmall.payments.models import Notification, Payment

    connections.close_all()
    order_ids = [p.order_id for p in payments]
    return {
        "orders_paid": Order.objects.filter(pk__in=order_ids, status="paid").count(),
        "paid_events": OrderEvent.objects.filter(order_id__in=order_ids, to_status="paid").count(),
        "payments_paid": Payment.objects.filter(pk__in=[p.pk for p in payments], status="paid").count(),
        "notifications": Notification.objects.filter(notify_id__in=[]).count() + Notification.objects.count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--quiet", type=int, default=10, help="then this many notifications one at a time")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--relay-interval",
        type=float,
        default=5.0,
        help="the periodic relay's interval (the deployed default): delivery speed is the kicks' doing",
    )
    parser.add_argument(
        "--no-webhook",
        action="store_true",
        help="no merchant webhook (no outbox rows to relay): the notify path and its apply alone",
    )
    parser.add_argument("--broker", choices=("redis", "filesystem"), default="redis")
    args = parser.parse_args()

    with ExitStack() as stack:
        webhook = Webhook()
        stack.callback(webhook.server.shutdown)
        broker: dict[str, str] = {}
        if args.broker == "redis":
            redis_url = os.environ.get("REDIS_URL") or start_private_redis(stack, aof=False)
            broker = {"REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url.rsplit("/", 1)[0] + "/1"}
        var_dir, env = bench_env(
            stack,
            **broker,
            MERCHANT_WEBHOOK_URL="" if args.no_webhook else webhook.url,
            OUTBOX_RELAY_INTERVAL_SECONDS=str(args.relay_interval),
        )
        pay_env, merchant = merchant_env(var_dir)
        env.update(pay_env)
        os.environ.update(pay_env)

        t0 = time.perf_counter()
        payments = prepare(args.orders + args.quiet)
        jobs = notifications(merchant, payments)
        quiet_jobs, jobs = jobs[: args.quiet], jobs[args.quiet :]
        posts = jobs + jobs  # every notification twice: half the posts are duplicates
        random.Random(8).shuffle(posts)
        print(f"setup: {len(payments)} orders, {len(posts)} notifications, {time.perf_counter() - t0:.1f}s")

        # The worker applies the notifications (and relays the outbox): needed with or without a webhook.
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "wxmall",
                "worker",
                "-B",  # the periodic relay too, as deployed: a kick that expired is not the only way
                "--schedule",
                str(var_dir / "celerybeat-schedule"),
                "-l",
                "error",
                "--concurrency",
                "2",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )
        stack.callback(lambda: (worker.terminate(), worker.wait(15)))
        base = start_gunicorn(stack, env, args.workers, args.threads, "gthread")
        hammer(base, list(range(500)), args.concurrency, healthz(base))  # warm up every worker

        sent: dict[str, float] = {}
        results, wall = hammer(base, posts, args.concurrency, notify_request(base, sent))
        statuses: dict[int, int] = {}
        for status, *_ in results:
            statuses[status] = statuses.get(status, 0) + 1
        ok = sum(1 for r in results if r[0] == 204)
        notify_per_s = ok / wall
        latencies = [r[1] * 1000 for r in results]

        print(
            f"server: gunicorn gthread {args.workers} workers × {args.threads} threads; client: {args.concurrency} connections"
        )
        print(f"notify requests: {len(results)} in {wall:.2f}s, statuses {dict(sorted(statuses.items()))}")
        print(
            f"notify/s: {notify_per_s:.0f}  latency ms: p50 {statistics.median(latencies):.1f}  p99 {percentile(latencies, 99):.1f}"
        )
        print(f"load average at the end of the burst: {os.getloadavg()[0]:.2f}")
        if not args.no_webhook:
            wait_for(lambda: len(webhook.paid_at) >= len(jobs), "merchant webhook deliveries", timeout=120)
        else:
            wait_for(lambda: paid_count(payments) >= len(jobs), "notifications applied", timeout=120)
        # The baseline once the worker has drained the burst: measured while it still relays, /healthz would
        # share the cores with it and flatter the ratio.
        health, health_wall = hammer(
            base, list(range(max(5000, len(results)))), args.concurrency, healthz(base)
        )
        health_per_s = sum(1 for r in health if r[0] == 200) / health_wall
        print(f"healthz req/s: {health_per_s:.0f}", flush=True)
        downstream = [webhook.paid_at[o] - sent[o] for o in sent if o in webhook.paid_at] or [float("nan")]
        paid_moments = applied_at(payments)
        applied = [paid_moments[o] - sent[o] for o in sent if o in paid_moments] or [float("nan")]
        # A quiet shop: one payment at a time, each waited for (what a customer sees on a normal day).
        quiet_sent: dict[str, float] = {}
        quiet_request = notify_request(base, quiet_sent)
        for job in quiet_jobs:
            hammer(base, [job], 1, quiet_request)
            if not args.no_webhook:
                wait_for(lambda job=job: job[0] in webhook.paid_at, "a quiet delivery", timeout=60)
            else:
                time.sleep(0.5)
        quiet = [webhook.paid_at[o] - quiet_sent[o] for o in quiet_sent if o in webhook.paid_at] or [
            float("nan")
        ]
        check = verify(payments, [json.loads(body)["id"] for _, body, _ in jobs])

        print(
            f"notify -> applied (order paid by the worker) s: p50 {statistics.median(applied):.2f}  "
            f"p99 {percentile(applied, 99):.2f}  max {max(applied):.2f}"
        )
        print(
            f"notify -> merchant webhook delivered (outbox) s: p50 {statistics.median(downstream):.2f}  "
            f"p99 {percentile(downstream, 99):.2f}  max {max(downstream):.2f}  (seeds: < 3 s)"
        )
        print(
            f"quiet (one at a time, {len(quiet_jobs)}) notify -> delivered s: p50 {statistics.median(quiet):.2f}  "
            f"max {max(quiet):.2f}"
        )
        print(f"paid exactly once: {check}")
        ratio = notify_per_s / health_per_s if health_per_s else 0.0
        print(f"broker: {args.broker}; load average (1 min) now: {os.getloadavg()[0]:.2f}")
        print(f"ratio notify/s ÷ healthz req/s: {ratio:.2f}  (target ≥ 0.5)")
        n = len(payments)
        good = (
            check["orders_paid"] == check["paid_events"] == check["payments_paid"] == n
            and check["notifications"] == n
            and ok == len(posts)
        )
        return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
