"""wxsandbox benchmark: Native prepay throughput and notification delivery rate, each as a ratio to a
trivial endpoint of the same server in the same run.

    python3 -m uv run python bench/sandbox.py [--duration 3] [--concurrency 16] [--notifications 400]

Starts ``wxsandbox serve`` as a subprocess on a free loopback port (real socket, its own process, so the
load generator does not share its GIL), then measures
  (a) GET /sandbox/healthz requests/s (trivial endpoint, same middleware),
  (b) signed Native prepay requests/s: every request is signed with the merchant key and every response
      signature is verified with the platform public key,
  (c) payment notifications delivered/s to a local receiver (confirm N orders, count signed POSTs arriving).
Prints the figures and the ratios (target: prepay/trivial ≥ 0.3). Bounded in time; stops what it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PREPAY_URL = "/v3/pay/transactions/native"
sys.path.insert(0, str(ROOT / "src"))

from wxsandbox.pay import crypto, signing  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sandbox:
    """``wxsandbox serve`` in a subprocess with a throwaway state file; keys exported beforehand."""

    def __init__(self, workdir: str) -> None:
        self.state = os.path.join(workdir, "bench.db")
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "wxsandbox"]
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        exported = subprocess.run(
            [*cmd, "keys", "--export", "--state", self.state],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            timeout=60,
        )
        self.keys = json.loads(exported.stdout)
        self.proc = subprocess.Popen(
            [
                *cmd,
                "serve",
                "--port",
                str(self.port),
                "--state",
                self.state,
                "--log-level",
                "warning",
                "--time-factor",
                "0.001",
            ],
            env=env,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                if (
                    httpx.get(self.base_url + "/sandbox/healthz", timeout=1, trust_env=False).status_code
                    == 200
                ):
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("wxsandbox did not start")
            time.sleep(0.05)

    def cpu_seconds(self) -> float:
        """User+system CPU time of the server process so far (all threads), from /proc (Linux)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Receiver:
    """A minimal keep-alive HTTP/1.1 server answering 204; counts notification POSTs."""

    def __init__(self) -> None:
        self.count = 0
        self.last = 0.0
        self.server: asyncio.base_events.Server | None = None
        self.url = ""

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/pay/notify"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                self.count += 1
                self.last = time.perf_counter()
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the sandbox closed the connection, or the benchmark is over
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


class Connection:
    """A minimal keep-alive HTTP/1.1 client connection. httpx costs more CPU per request than the sandbox
    spends answering a trivial one, so a heavyweight client would measure itself instead of the server."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(body)}",
        ]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parsed = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                parsed[name.strip().lower()] = value.strip()
        content = await self.reader.readexactly(int(parsed.get("content-length", "0")))
        return int(status_line.split()[1]), parsed, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def bench(sb: Sandbox, duration: float, concurrency: int, notifications: int, prepay_pool: int) -> dict:
    merchant = sb.keys["merchants"][0]
    appid = sb.keys["apps"][0]["appid"]
    receiver = Receiver()
    await receiver.start()
    pool = [Connection("127.0.0.1", sb.port) for _ in range(concurrency)]
    run_id = int(time.time())

    def connection(i: int) -> Connection:
        return pool[i % concurrency]

    async def trivial(conn: Connection, i: int) -> bool:
        status, _, _ = await conn.request("GET", "/sandbox/healthz")
        return status == 200

    def signed_prepay(i: int) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(
            {
                "appid": appid,
                "mchid": merchant["mchid"],
                "description": "基准测试商品",
                "out_trade_no": f"B{run_id}{i:09d}",
                "notify_url": receiver.url,
                "amount": {"total": 1 + i % 9999, "currency": "CNY"},
            },
            ensure_ascii=False,
        )
        auth = signing.build_authorization(
            merchant["mchid"],
            merchant["merchant_serial"],
            merchant["merchant_private_key_pem"],
            "POST",
            PREPAY_URL,
            body,
        )
        return body.encode(), {
            "Authorization": auth,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Wechatpay-Serial": merchant["platform_public_key_id"],
        }

    # Each request is signed with the merchant key before the timed phase (RSA signing is the client's cost,
    # and on a small machine the load generator would otherwise measure itself); each response signature
    # is verified during the phase.
    presigned = [signed_prepay(i) for i in range(prepay_pool)]

    async def prepay(conn: Connection, i: int) -> bool | None:
        if i >= len(presigned):
            return None  # pool exhausted: the phase ends early, the rate stays exact
        body, headers = presigned[i]
        status, h, content = await conn.request("POST", PREPAY_URL, body, headers)
        message = signing.response_message(h["wechatpay-timestamp"], h["wechatpay-nonce"], content)
        return (
            status == 200
            and h["wechatpay-serial"] == merchant["platform_public_key_id"]
            and crypto.rsa_verify(merchant["platform_public_key_pem"], message, h["wechatpay-signature"])
        )

    async def run_phase(seconds: float, one) -> tuple[int, int, float]:
        counter = {"next": 0, "ok": 0, "failed": 0}
        stop_at = time.perf_counter() + seconds

        async def worker(conn: Connection) -> None:
            while time.perf_counter() < stop_at:
                i = counter["next"]
                counter["next"] += 1
                result = await one(conn, i)
                if result is None:
                    return
                counter["ok" if result else "failed"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in pool))
        return counter["ok"], counter["failed"], time.perf_counter() - started

    try:
        await run_phase(0.5, trivial)  # warm-up: connections, key parsing
        # Alternate short slices of both workloads so that load changes on a shared machine hit both alike.
        t_ok = t_bad = p_ok = p_bad = 0
        t_s = p_s = t_cpu = p_cpu = 0.0
        slices = max(1, round(duration / 0.5))
        offset = 0
        for _ in range(slices):
            cpu = sb.cpu_seconds()
            ok, bad, elapsed = await run_phase(duration / slices, trivial)
            t_ok, t_bad, t_s, t_cpu = t_ok + ok, t_bad + bad, t_s + elapsed, t_cpu + sb.cpu_seconds() - cpu
            cpu = sb.cpu_seconds()
            ok, bad, elapsed = await run_phase(duration / slices, lambda c, i, o=offset: prepay(c, i + o))
            p_ok, p_bad, p_s, offset = p_ok + ok, p_bad + bad, p_s + elapsed, offset + ok + bad
            p_cpu += sb.cpu_seconds() - cpu
            if offset >= len(presigned):
                break

        # (c) notifications: confirm N of the orders just placed, count deliveries at the receiver.
        n = min(notifications, p_ok)
        started = time.perf_counter()
        queue = list(range(n))

        async def confirmer(conn: Connection) -> None:
            while queue:
                i = queue.pop()
                await conn.request(
                    "POST",
                    "/sandbox/pay/confirm",
                    json.dumps({"out_trade_no": f"B{run_id}{i:09d}", "user_id": "lihua"}).encode(),
                    {"Content-Type": "application/json"},
                )

        await asyncio.gather(*(confirmer(c) for c in pool))
        deadline = time.perf_counter() + max(10.0, duration * 3)
        while receiver.count < n and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        delivered = receiver.count
        n_s = (receiver.last or time.perf_counter()) - started
    finally:
        for conn in pool:
            conn.close()
        await receiver.stop()
    trivial_rps = t_ok / t_s
    prepay_rps = p_ok / p_s
    notify_rps = delivered / n_s if n_s > 0 else 0.0
    return {
        "trivial_rps": round(trivial_rps, 1),
        "trivial_failed": t_bad,
        "prepay_rps": round(prepay_rps, 1),
        "prepay_failed": p_bad,
        "notifications": n,
        "notifications_delivered": delivered,
        "notify_rps": round(notify_rps, 1),
        "prepay_ratio": round(prepay_rps / trivial_rps, 3),
        "notify_ratio": round(notify_rps / trivial_rps, 3),
        "trivial_server_cpu_ms": round(1000 * t_cpu / max(t_ok, 1), 3),
        "prepay_server_cpu_ms": round(1000 * p_cpu / max(p_ok, 1), 3),
        "concurrency": concurrency,
        "duration_s": duration,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=float, default=3.0, help="seconds per throughput phase (default 3)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent client requests (default 16)")
    parser.add_argument("--notifications", type=int, default=400, help="payments to confirm in phase (c)")
    parser.add_argument(
        "--prepay-pool",
        type=int,
        default=6000,
        help="prepay requests signed ahead of the timed phase (default 6000)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wxsandbox-bench-") as workdir:
        sb = Sandbox(workdir)
        try:
            result = asyncio.run(
                bench(sb, args.duration, args.concurrency, args.notifications, args.prepay_pool)
            )
        finally:
            sb.stop()
    if args.json:
        print(json.dumps(result))
    else:
        print(f"trivial  GET /sandbox/healthz     {result['trivial_rps']:>9.1f} req/s")
        print(
            f"prepay   signed Native prepay     {result['prepay_rps']:>9.1f} req/s   ratio "
            f"{result['prepay_ratio']:.3f} (target ≥ 0.3)"
        )
        print(
            f"notify   deliveries to receiver   {result['notify_rps']:>9.1f} /s      ratio "
            f"{result['notify_ratio']:.3f}  ({result['notifications_delivered']}/{result['notifications']} delivered)"
        )
        print(
            f"server CPU per request: trivial {result['trivial_server_cpu_ms']:.3f} ms, "
            f"prepay {result['prepay_server_cpu_ms']:.3f} ms (user+system time of the server process)"
        )
    ok = result["prepay_failed"] == 0 and result["notifications_delivered"] == result["notifications"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
