"""`manage.py runall` as a real subprocess: web answers, Ctrl-C stops every process it started, and a
child dying on its own takes the rest down with a non-zero exit."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

PROJECT = Path(__file__).resolve().parents[2]
STARTED = re.compile(r"started (\w+) \(pid (\d+)\)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def embedded_env(tmp_path: Path, **extra) -> dict[str, str]:
    """Embedded mode in a private var dir: SQLite and the filesystem broker, nothing shared."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "WECHAT_API_BASE"}
    }
    env.update(WXMALL_VAR_DIR=str(tmp_path / "var"), PYTHONUNBUFFERED="1", **extra)
    return env


ENQUEUE = """
from django.db import transaction
from wxmall.core.outbox import enqueue
with transaction.atomic():
    enqueue("merchant_webhook", "order.status_changed", {"order_no": "WXRUNALL"}, key="runall-e2e")
"""


class Runall:
    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self.port = free_port()
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "runall",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--sandbox-port",
                str(free_port()),
                "--no-sandbox",
                "--stop-timeout",
                "20",
            ],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in iter(self.process.stdout.readline, b""):
            self.lines.append(raw.decode("utf-8", "replace"))

    def output(self) -> str:
        return "".join(self.lines)

    def children(self) -> dict[str, int]:
        return {name: int(pid) for name, pid in STARTED.findall(self.output())}

    def wait_healthy(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail("runall's web server never answered /healthz\n" + self.output())

    def wait_for(self, text: str, timeout=60.0):
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert time.monotonic() < deadline, f"{text!r} never printed\n{self.output()}"
            time.sleep(0.2)

    def cleanup(self):
        # Only if a test failed half-way: never leave processes behind.
        for pgid in [self.process.pid, *self.children().values()]:
            if group_alive(pgid):
                os.killpg(pgid, signal.SIGKILL)
        self.process.wait(10)


@pytest.fixture
def embedded(tmp_path, receiver):
    env = embedded_env(tmp_path, MERCHANT_WEBHOOK_URL=receiver.url, MERCHANT_WEBHOOK_SECRET=receiver.secret)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=PROJECT, check=True, env=env
    )
    return env


@pytest.fixture
def runall(tmp_path, embedded):
    instance = Runall(tmp_path, embedded)
    yield instance
    instance.cleanup()


def test_ctrl_c_stops_every_child(runall, embedded, receiver):
    runall.wait_healthy()
    runall.wait_for("celery@")  # the worker is up, not only web

    # The real chain: a business transaction enqueues, the worker started by runall delivers.
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", ENQUEUE], cwd=PROJECT, env=embedded, check=True
    )
    deadline = time.monotonic() + 30
    while not receiver.requests:
        assert time.monotonic() < deadline, "the worker never delivered\n" + runall.output()
        time.sleep(0.2)
    assert receiver.keys() == ["runall-e2e"]
    children = runall.children()
    assert set(children) == {"web", "worker", "beat"}
    assert all(group_alive(pid) for pid in children.values())
    out = runall.output()
    assert f"http://127.0.0.1:{runall.port}/console/" in out and "/api/docs" in out
    assert re.search(r"^web\s+\| ", out, re.M)  # child output is prefixed with its name

    os.kill(runall.process.pid, signal.SIGINT)
    assert runall.process.wait(60) == 0, runall.output()
    gone = [name for name, pid in children.items() if not group_alive(pid)]
    assert sorted(gone) == ["beat", "web", "worker"], runall.output()
    assert "all processes stopped" in runall.output()


def test_a_child_dying_stops_everything_with_an_error(runall):
    runall.wait_healthy()
    children = runall.children()
    os.killpg(children["beat"], signal.SIGKILL)
    assert runall.process.wait(60) != 0
    assert "beat exited unexpectedly" in runall.output()
    assert not any(group_alive(pid) for pid in children.values()), runall.output()
