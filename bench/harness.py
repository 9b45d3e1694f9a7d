"""What the HTTP benchmarks share to start: SIGTERM turned into a clean exit, a private var dir,
PostgreSQL (DATABASE_URL when it points at one, else a throwaway cluster), and the hub's settings
environment for the embedded demo on that database (applied to this process too, with src/ importable).
Everything started is stopped by the caller's ExitStack, also on Ctrl-C."""

from __future__ import annotations

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


class stop_on_sigterm:
    """Turn SIGTERM into SystemExit so the ExitStack still stops the servers."""

    def __enter__(self):
        self._old = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGTERM, self._old)
        return False


def bench_env(stack: ExitStack, **extra: str) -> tuple[Path, dict[str, str]]:
    """Enter the shared start-up on `stack`; returns the var dir and the environment for the hub's
    processes (`extra` added: merchant keys, webhook URL, …)."""
    stack.enter_context(stop_on_sigterm())
    var_dir = Path(tempfile.mkdtemp(prefix="wxmall-bench-var-"))
    stack.callback(shutil.rmtree, var_dir, ignore_errors=True)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
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
