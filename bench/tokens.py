"""Token-service benchmark: N processes × M threads calling a WeChat API through the hub's client against a
wxsandbox it starts itself, for a fixed time, with tokens expiring during the run.

    python3 -m uv run python bench/tokens.py [--processes 3] [--threads 4] [--duration 20] [--ttl 8]

Phases, each with the same processes × threads:
  (a) bare: plain httpx GET /cgi-bin/user/get with one token fetched up front (the baseline),
  (b) client: `client("oa").user.list()` — shared token from the database (DATABASE_URL, else SQLite
      in a temporary directory), compare-and-expire, stats recording; the sandbox issues stable tokens
      living --ttl seconds (rotating in their last half) so several validity windows pass during the run.
Prints: token fetches per validity window (target exactly 1), calls failed by 40001/42001 (target 0),
client per-call latency vs bare (target ≤ 1.3×, the `ratio`). Exits non-zero when fetches/window != 1
or any call failed with 40001/42001.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bare_worker(base_url: str, token: str, seconds: float, threads: int) -> dict:
    """Phase (a) in a child process: the same calls with plain httpx and a fixed token."""
    lock = threading.Lock()
    totals = {"ok": 0, "failed": 0, "latency_s": 0.0}
    deadline = time.monotonic() + seconds

    def work() -> None:
        ok = failed = 0
        spent = 0.0
        with httpx.Client(base_url=base_url, timeout=5, trust_env=False) as http:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                data = http.get("/cgi-bin/user/get", params={"access_token": token}).json()
                spent += time.perf_counter() - started
                if data.get("errcode"):
                    failed += 1
                else:
                    ok += 1
        with lock:
            totals["ok"] += ok
            totals["failed"] += failed
            totals["latency_s"] += spent

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return totals


def run_parallel(argv_list: list[list[str]], env: dict, timeout: float) -> list[dict]:
    procs = [
        subprocess.Popen(a, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for a in argv_list
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError(f"worker failed: {err[-2000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the client phase")
    parser.add_argument("--bare-duration", type=float, default=5.0)
    parser.add_argument("--ttl", type=int, default=8, help="stable_token lifetime in the sandbox (s)")
    parser.add_argument(
        "--bare-worker", nargs=4, metavar=("BASE", "TOKEN", "SECONDS", "THREADS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.bare_worker:
        base, token, seconds, threads = args.bare_worker
        print(json.dumps(bare_worker(base, token, float(seconds), int(threads))), flush=True)
        return 0

    grace = max(2, args.ttl // 2)
    ahead = max(1, grace - 1)  # must stay below the rotation window, as in production (240 < 300)
    with tempfile.TemporaryDirectory(prefix="wxmall-bench-tokens-") as tmp:
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT / "src"),
            WXMALL_DEMO="1",
            WXMALL_VAR_DIR=tmp,
            DJANGO_SETTINGS_MODULE="wxmall.settings",
        )
        env.setdefault("DATABASE_URL", f"sqlite:///{tmp}/hub.sqlite3")
        state = os.path.join(tmp, "sandbox.db")
        keys = json.loads(
            subprocess.run(
                [sys.executable, "-m", "wxsandbox", "keys", "--export", "--state", state],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout
        )
        oa = next(a for a in keys["apps"] if a["kind"] == "official_account")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        sandbox = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wxsandbox",
                "serve",
                "--port",
                str(port),
                "--state",
                state,
                "--log-level",
                "warning",
            ],
            env=env,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if httpx.get(base + "/sandbox/healthz", timeout=1, trust_env=False).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if sandbox.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("wxsandbox did not start")
                time.sleep(0.05)
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                cwd=ROOT,
                env=env,
                check=True,
                timeout=300,
            )
            http = httpx.Client(base_url=base, timeout=10, trust_env=False)
            # (a) bare httpx with a /cgi-bin/token token (isolated from stable tokens, default 7200 s life)
            token = http.get(
                "/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": oa["appid"], "secret": oa["secret"]},
            ).json()["access_token"]
            bare = run_parallel(
                [
                    [
                        sys.executable,
                        __file__,
                        "--bare-worker",
                        base,
                        token,
                        str(args.bare_duration),
                        str(args.threads),
                    ]
                ]
                * args.processes,
                env,
                timeout=args.bare_duration + 60,
            )
            # (b) the client, with short-lived stable tokens
            http.post(
                "/sandbox/mp/settings", json={"token_ttl_seconds": args.ttl, "token_grace_seconds": grace}
            )
            hub_env = env | {
                "WECHAT_API_BASE": base,
                "WECHAT_OA_APPID": oa["appid"],
                "WECHAT_OA_SECRET": oa["secret"],
                "WECHAT_TOKEN_REFRESH_AHEAD_SECONDS": str(ahead),
                "LOG_LEVEL": "WARNING",
            }
            started = time.monotonic()
            client = run_parallel(
                [[sys.executable, "-m", "wxmall.wechat.testing", str(args.duration), str(args.threads)]]
                * args.processes,
                hub_env,
                timeout=args.duration + 120,
            )
            elapsed = time.monotonic() - started
            fetches = int(
                subprocess.run(
                    [sys.executable, "-c", _COUNT_FETCHES],
                    cwd=ROOT,
                    env=hub_env,
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=120,
                ).stdout.strip()
            )
            http.close()
        finally:
            sandbox.terminate()
            try:
                sandbox.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sandbox.kill()
        with sqlite3.connect(state) as db:
            issued = db.execute("SELECT COUNT(*) FROM mp_access_tokens WHERE source = 'stable'").fetchone()[0]

    bare_calls = sum(r["ok"] + r["failed"] for r in bare)
    bare_ms = 1000 * sum(r["latency_s"] for r in bare) / max(bare_calls, 1)
    client_calls = sum(r["ok"] + sum(r["failed"].values()) for r in client)
    client_ms = 1000 * sum(r["latency_s"] for r in client) / max(client_calls, 1)
    failed: dict[str, int] = {}
    for r in client:
        for code, n in r["failed"].items():
            failed[code] = failed.get(code, 0) + n
    token_failures = failed.get("40001", 0) + failed.get("42001", 0) + failed.get("40014", 0)
    per_window = fetches / issued if issued else float("nan")
    ratio = client_ms / bare_ms if bare_ms else float("nan")
    print(
        f"processes × threads       {args.processes} × {args.threads}, client phase {elapsed:.1f} s, token life {args.ttl} s"
    )
    print(f"bare httpx                {bare_calls} calls, {bare_ms:.2f} ms/call")
    print(f"client                    {client_calls} calls, {client_ms:.2f} ms/call, failed {failed or 0}")
    print(f"validity windows          {issued} tokens issued by the sandbox")
    print(f"token fetches             {fetches} ({per_window:.2f} per window; target 1)")
    print(f"calls failed by 40001     {token_failures} (target 0)")
    print(f"ratio client/bare per call {ratio:.2f} (target ≤ 1.3)")
    ok = fetches == issued and issued >= 2 and token_failures == 0
    if not ok:
        print("FAILED: fetches per window != 1, fewer than two windows, or 40001 failures", file=sys.stderr)
    return 0 if ok else 1


# Token fetches the hub made, from its own stats (every process flushed them on exit).
_COUNT_FETCHES = """
import django
django.setup()
from django.db.models import Sum
from wxmall.wechat.models import ApiCallStat
print(ApiCallStat.objects.filter(api="stable_token").aggregate(n=Sum("calls"))["n"] or 0)
"""

if __name__ == "__main__":
    raise SystemExit(main())
