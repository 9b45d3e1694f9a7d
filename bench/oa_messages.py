"""OA message-server benchmark: safe-mode text messages posted concurrently to the running hub.

    python3 -m uv run python bench/oa_messages.py [--messages 4000] [--concurrency 32] [--keyword-share 0.5]

PostgreSQL as in production (DATABASE_URL, else a private cluster in a temp dir as bench/checkout.py
starts; `--sqlite` for the embedded database, where every push's write queues on SQLite's one writer),
an Official Account configured with a
fixed Token / EncodingAESKey / original id, 30 keyword rules (exact, contains, regex). Every message is
encrypted beforehand with wechatpy (the independent peer) exactly as WeChat's safe mode sends it, with a
unique MsgId; `keyword-share` of them hit a keyword rule (passive text reply, encrypted), the rest match no
rule and go to the registered text fallbacks (in this process's hub: whatever apps registered; none answer
→ `success`). They are posted over `concurrency` keep-alive connections, then /healthz the same way.

With Redis (REDIS_URL, else a private redis-server; `--no-redis` for the database path in the request)
the message server takes its fast path: dedupe in Redis, pushes spooled to files that a drain bulk-inserts.
A drain process runs once a second while the messages arrive, as a worker kicked by them would, and
reports the spool-to-database lag (request to row, the worst push of each drain); the stored-message
check runs once the spool is empty.

Prints messages/s, p50/p99 latency, healthz/s and the `ratio` messages/s ÷ healthz/s (target ≥ 0.5, p99
far under WeChat's 5 s). Exits 1 unless every post answered 200, the database holds exactly one stored
message per MsgId, and sampled replies decrypt (with wechatpy) to the rule's answer.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from urllib.parse import urlencode

import httpx
from _harness import (
    ROOT,
    bench_env,
    hammer,
    healthz,
    percentile,
    start_gunicorn,
    start_private_redis,
)

OA = {
    "WECHAT_OA_APPID": "wx1a2b3c4d5e6f7a8b",
    "WECHAT_OA_SECRET": "0123456789abcdef0123456789abcdef",
    "WECHAT_OA_TOKEN": "benchtoken2026",
    "WECHAT_OA_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "WECHAT_OA_ORIGINAL_ID": "gh_0a1b2c3d4e5f",
}
KEYWORDS = [f"型号{i:02d}" for i in range(30)]


def prepare() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from wxmall.officialaccount.models import ReplyRule

    for i, word in enumerate(KEYWORDS):
        match = ("exact", "contains", "regex")[i % 3]
        pattern = word if match != "regex" else f"^{word}\\b.*$"
        ReplyRule.objects.create(
            name=word, match=match, pattern=pattern, text=f"{word}的参数请看商品页", priority=i
        )


def pusher():
    sys.path.insert(0, str(ROOT / "src"))
    from wxmall.officialaccount.testing import Pusher

    oa = {
        "appid": OA["WECHAT_OA_APPID"],
        "token": OA["WECHAT_OA_TOKEN"],
        "encoding_aes_key": OA["WECHAT_OA_ENCODING_AES_KEY"],
        "original_id": OA["WECHAT_OA_ORIGINAL_ID"],
    }
    return Pusher(oa)


def build(count: int, keyword_share: float, host: str) -> tuple[list[bytes], list[str]]:
    push, rng, raw, texts = pusher(), random.Random(7), [], []
    for i in range(count):
        text = rng.choice(KEYWORDS) if rng.random() < keyword_share else f"第{i}个问题：这台电脑能装双系统吗"
        push.openid = f"oBench{i % 500:022d}"
        query, body = push.request(push.text(text, msg_id=10**15 + i), "safe")
        head = f"POST {push.path}?{urlencode(query)} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/xml\r\n"
        raw.append(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        texts.append(text)
    return raw, texts


def sample_replies(base: str, n: int = 20) -> bool:
    push, ok = pusher(), True
    with httpx.Client(base_url=base, timeout=10) as http:
        for i in range(n):
            word = KEYWORDS[i % len(KEYWORDS)]
            query, body = push.request(push.text(word, msg_id=2 * 10**15 + i), "safe")
            response = http.post(f"{push.path}?{urlencode(query)}", content=body)
            reply = push.reply(response, mode="safe")
            ok &= bool(reply) and reply.get("Content") == f"{word}的参数请看商品页"
    return ok


def drain_once(lags: list, spooled: list) -> int:
    from wxmall.officialaccount import actions

    drained = actions.drain_spool(settle_seconds=0.2, wait=True)
    if drained.pushes:
        lags.append(drained.max_lag_s)
        spooled.append(drained.pushes)
    return drained.pushes


def drain_worker(stop_file: str) -> int:
    """The worker's part, in a process of its own: drain once a second until told to stop."""
    import django

    django.setup()
    from pathlib import Path

    lags, spooled = [], []
    while not Path(stop_file).exists():
        time.sleep(1.0)
        if drain_once(lags, spooled):
            print(json.dumps({"pushes": spooled[-1], "lag": lags[-1]}), flush=True)
    return 0


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--drain-worker":
        sys.path.insert(0, str(ROOT / "src"))
        return drain_worker(sys.argv[2])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--keyword-share", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite instead of PostgreSQL")
    parser.add_argument("--no-redis", action="store_true", help="no Redis: every push written in the request")
    args = parser.parse_args()

    with ExitStack() as stack:
        redis_url = "" if args.no_redis else (os.environ.get("REDIS_URL") or start_private_redis(stack))
        _var_dir, env = bench_env(
            stack,
            sqlite=args.sqlite,
            **OA,
            REDIS_URL=redis_url,
            CELERY_BROKER_URL="memory://",  # no worker here: kicks go nowhere, this process drains
        )
        prepare()
        base = start_gunicorn(stack, env, args.workers, args.threads, "gthread")
        raw, _ = build(args.messages, args.keyword_share, base.removeprefix("http://"))
        hammer(base, list(range(500)), args.concurrency, healthz(base))  # warm up every worker

        from wxmall.officialaccount.models import InboundMessage

        # The drain runs as a worker would: its own process, about once a second (the kicks' pace).
        stop_file = _var_dir / "stop-drainer"
        drainer = subprocess.Popen(
            [sys.executable, __file__, "--drain-worker", str(stop_file)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        results, wall = hammer(base, list(range(len(raw))), args.concurrency, lambda i: raw[i])
        health, health_wall = hammer(base, list(range(args.messages)), args.concurrency, healthz(base))
        stop_file.touch()
        out, _ = drainer.communicate(timeout=300)
        drains = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        lags = [d["lag"] for d in drains]
        spooled = [d["pushes"] for d in drains]
        settle_started = time.monotonic()
        while drain_once(lags, spooled):
            pass
        answered = sum(1 for r in results if r[0] == 200)
        stored = InboundMessage.objects.filter(msg_id__lt=2 * 10**15).count()
        distinct = InboundMessage.objects.filter(msg_id__lt=2 * 10**15).values("msg_id").distinct().count()
        replies_ok = sample_replies(base)

        per_s = answered / wall
        health_per_s = sum(1 for r in health if r[0] == 200) / health_wall
        latencies = [r[1] * 1000 for r in results]
        print(
            f"server: gunicorn gthread {args.workers} workers × {args.threads} threads; client: {args.concurrency} connections"
        )
        print(
            f"messages: {answered}/{len(results)} answered 200 in {wall:.2f}s ({args.keyword_share:.0%} keyword hits)"
        )
        print(
            f"messages/s: {per_s:.0f}  p50 {statistics.median(latencies):.1f} ms  p99 {percentile(latencies, 99):.1f} ms"
        )
        print(f"healthz req/s: {health_per_s:.0f}")
        print(
            f"stored: {stored} rows, {distinct} MsgIds (expected {len(results)} each); sampled encrypted"
            f" replies correct: {replies_ok}"
        )
        if redis_url:
            print(
                f"fast path (Redis + spool): lag request→row max {max(lags, default=0):.2f}s over"
                f" {len(lags)} drains; spooled {sum(spooled)}, written in the request {stored - sum(spooled)};"
                f" final drain after the healthz run took {time.monotonic() - settle_started:.2f}s"
            )
        ratio = per_s / health_per_s if health_per_s else 0.0
        print(f"ratio messages/s ÷ healthz req/s: {ratio:.2f}  (target ≥ 0.5)")
        ok = answered == len(results) and stored == distinct == len(results) and replies_ok
        if not ok:
            print("FAILED: a post was not answered 200, stored rows differ, or a reply did not decrypt right")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
