"""What the benchmarks share: private PostgreSQL and Redis servers, gunicorn, HAProxy and Celery
workers started for one run and stopped at its end (an ExitStack), and a light asyncio HTTP client.

Every `start_*` registers its own stop on the given ExitStack, so Ctrl-C or SIGTERM
(`stop_on_sigterm`) still stops everything the benchmark started."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not come up within {timeout:.0f}s")


# --- PostgreSQL -----------------------------------------------------------------------------------------
def start_private_postgres(stack: ExitStack) -> str:
    """A throwaway cluster (fsync off) in a temp dir; returns its DATABASE_URL."""
    if not (PG_BIN / "initdb").exists():
        raise SystemExit(
            "PostgreSQL 15 binaries not found: apt-get install -y postgresql, or set DATABASE_URL"
        )
    tmp = Path(tempfile.mkdtemp(prefix="wxmall-bench-pg-"))
    stack.callback(shutil.rmtree, tmp, ignore_errors=True)
    port = free_port()
    as_root = os.geteuid() == 0

    def run(cmd: str) -> None:
        argv = ["su", "postgres", "-c", cmd] if as_root else ["bash", "-c", cmd]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    if as_root:
        shutil.chown(tmp, "postgres")
    run(f"{PG_BIN}/initdb -D {tmp}/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8")
    run(
        f"{PG_BIN}/pg_ctl -D {tmp}/data -l {tmp}/log -w start -o '-p {port} -k {tmp} "
        f"-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=300'"
    )
    stack.callback(run, f"{PG_BIN}/pg_ctl -D {tmp}/data -m fast stop")
    subprocess.run(["bash", "-c", f"{PG_BIN}/createdb -h 127.0.0.1 -p {port} -U postgres wxmall"], check=True)
    return f"postgres://postgres@127.0.0.1:{port}/wxmall"


# --- server ---------------------------------------------------------------------------------------------
def start_gunicorn(stack: ExitStack, env: dict, workers: int, threads: int, worker_class: str) -> str:
    """gunicorn on a free loopback port; returns its base URL once /healthz answers."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "wxmall.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        "--keep-alive",
        "30",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)

    def stop() -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    stack.callback(stop)
    base = f"http://127.0.0.1:{port}"
    # Generous: on a shared, loaded machine importing Django in every worker takes a while.
    wait_for(lambda: httpx.get(f"{base}/healthz", timeout=1).status_code == 200, "gunicorn", timeout=120)
    return base


# --- load ---------------------------------------------------------------------------------------------
# The client is a few lines of asyncio over raw keep-alive HTTP/1.1 connections in one thread: it costs
# tens of microseconds per request, so on a 2-core machine nearly all the CPU goes to the server under
# test, for the orders and for /healthz alike (a thread pool of httpx clients took a large share of it,
# which flattered the slow endpoint and hid the fast one).
class _Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            self.close()
        return int(lines[0].split()[1]), body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def hammer(
    base: str, jobs: list, concurrency: int, make_request, *, keep_body: bool = False
) -> tuple[list, float]:
    """Send every job's request (`make_request(job)` → raw HTTP/1.1 bytes) over `concurrency`
    keep-alive connections. Returns [(status, latency_s, finished_at)] (with `keep_body`:
    [(status, latency_s, finished_at, job, body, finished_at_epoch)]) and the wall time."""
    host, port = base.removeprefix("http://").split(":")
    queue = iter(jobs)
    results: list[tuple] = []

    async def run() -> float:
        start = time.perf_counter()

        async def connection() -> None:
            conn = _Connection(host, int(port))
            try:
                for job in queue:
                    raw = make_request(job)
                    t0 = time.perf_counter()
                    try:
                        status, body = await asyncio.wait_for(conn.request(raw), 30)
                    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                        status, body = 0, b""
                        conn.close()
                    t1 = time.perf_counter()
                    if keep_body:
                        results.append((status, t1 - t0, t1 - start, job, body, time.time()))
                    else:
                        results.append((status, t1 - t0, t1 - start))
            finally:
                conn.close()

        await asyncio.gather(*(connection() for _ in range(concurrency)))
        return time.perf_counter() - start

    wall = asyncio.run(run())
    return results, wall


def healthz(base: str):
    raw = f"GET /healthz HTTP/1.1\r\nHost: {base.removeprefix('http://')}\r\n\r\n".encode()
    return lambda _job: raw


# --- Redis, HAProxy, Celery -----------------------------------------------------------------------------
def start_private_redis(stack: ExitStack, *, aof: bool = True) -> str:
    """redis-server in a temp dir (AOF `appendfsync everysec`, as production runs the flash-sale Redis);
    returns its URL (database 0)."""
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server not found: apt-get install -y redis-server, or set REDIS_URL")
    tmp = Path(tempfile.mkdtemp(prefix="wxmall-bench-redis-"))
    stack.callback(shutil.rmtree, tmp, ignore_errors=True)
    port = free_port()
    persistence = ["--appendonly", "yes", "--appendfsync", "everysec"] if aof else ["--appendonly", "no"]
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp), *persistence]
        + ["--maxmemory-policy", "noeviction", "--daemonize", "no", "--logfile", str(tmp / "log")],
        start_new_session=True,
    )
    stack.callback(_stop, proc)

    def ping() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")

    wait_for(ping, "redis-server")
    return f"redis://127.0.0.1:{port}/0"


def start_haproxy(stack: ExitStack, backends: list[str], *, maxconn: int = 256) -> str:
    """HAProxy (Debian's `haproxy`) in front of `backends` (base URLs), round robin, HTTP keep-alive on
    both sides, as a load balancer in front of several web hosts would be; returns its base URL."""
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(binary).exists():
        raise SystemExit("haproxy not found: apt-get install -y haproxy")
    tmp = Path(tempfile.mkdtemp(prefix="wxmall-bench-haproxy-"))
    stack.callback(shutil.rmtree, tmp, ignore_errors=True)
    port = free_port()
    servers = "\n".join(
        f"    server web{i} {b.removeprefix('http://')} maxconn {maxconn}" for i, b in enumerate(backends)
    )
    (tmp / "haproxy.cfg").write_text(
        f"""global
    maxconn {maxconn * 4}
defaults
    mode http
    option http-keep-alive
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 30s
frontend shop
    bind 127.0.0.1:{port}
    default_backend web
backend web
    balance roundrobin
    http-reuse always
{servers}
"""
    )
    proc = subprocess.Popen([binary, "-W", "-db", "-f", str(tmp / "haproxy.cfg")], start_new_session=True)
    stack.callback(_stop, proc)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: httpx.get(f"{base}/healthz", timeout=1).status_code == 200, "haproxy")
    return base


def start_celery_worker(stack: ExitStack, env: dict, *, queues: str, concurrency: int, name: str) -> None:
    """A Celery worker of the hub (prefork pool) consuming `queues`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "wxmall", "worker", "-Q", queues, "-c", str(concurrency)]
        + [
            "-n",
            f"{name}@%h",
            "-l",
            os.environ.get("BENCH_WORKER_LOG", "warning"),
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    stack.callback(_stop, proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class stop_on_sigterm:
    """Turn SIGTERM into SystemExit so the ExitStack still stops the servers."""

    def __enter__(self):
        self._old = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGTERM, self._old)
        return False


def bench_env(stack: ExitStack, *, sqlite: bool = False, **extra: str) -> tuple[Path, dict[str, str]]:
    """Enter the shared start-up on `stack`; returns the var dir and the environment for the hub's
    processes (`extra` added: merchant keys, webhook URL, …). The database is DATABASE_URL when it names
    a PostgreSQL, else a private PostgreSQL, or with `sqlite` the embedded SQLite in the var dir."""
    stack.enter_context(stop_on_sigterm())
    var_dir = Path(tempfile.mkdtemp(prefix="wxmall-bench-var-"))
    stack.callback(shutil.rmtree, var_dir, ignore_errors=True)
    url = os.environ.get("DATABASE_URL", "")
    if sqlite:
        url = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    elif not url.startswith(("postgres://", "postgresql://")):
        url = start_private_postgres(stack)
        print("PostgreSQL: private cluster in a temp dir")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WXMALL_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "wxmall.settings",
        "LOG_LEVEL": "ERROR",
        "DEBUG": "false",
        "WXMALL_DEMO": "1",  # the embedded demo on a private PostgreSQL: public keys are fine here
        **extra,
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    return var_dir, env


def make_buyers(prefix: str, count: int) -> tuple[list, list]:
    """`count` customers named `prefix-i`, each with a default address, in two bulk inserts (Django must
    be set up). Returns (users, addresses) in the same order."""
    from wxmall.accounts.models import Address, User

    users = User.objects.bulk_create([User(username=f"{prefix}-{i}") for i in range(count)])
    addresses = Address.objects.bulk_create(
        [
            Address(
                user=u,
                recipient="压测用户",
                phone="13800000000",
                province="广东省",
                city="深圳市",
                district="南山区",
                detail=f"科技园 {i} 号",
                is_default=True,
            )
            for i, u in enumerate(users)
        ]
    )
    return users, addresses
