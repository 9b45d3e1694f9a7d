"""`manage.py runall`: its supervisor against small real child processes (a crashed child comes back after
a backoff, one that keeps crashing is given up on while the rest keep running), and the real command as a
subprocess (web answers, a killed child is restarted, Ctrl-C stops every process it started)."""

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

from wxmall.core.management.commands.runall import Child, RestartPolicy, Supervisor, describe_exit

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
                "--restart-backoff",
                "0.2",
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


def test_a_killed_child_is_restarted_and_the_shop_stays_up(runall):
    runall.wait_healthy()
    first = runall.children()
    os.killpg(first["beat"], signal.SIGKILL)
    runall.wait_for("beat killed by SIGKILL; restarting in 0.2s")
    deadline = time.monotonic() + 60
    while runall.output().count("started beat (pid") < 2:
        assert time.monotonic() < deadline and runall.process.poll() is None, runall.output()
        time.sleep(0.2)
    assert not group_alive(first["beat"])
    assert runall.process.poll() is None  # runall itself kept going
    assert httpx.get(f"http://127.0.0.1:{runall.port}/healthz", timeout=5).status_code == 200
    [new_beat] = [int(pid) for name, pid in STARTED.findall(runall.output()) if name == "beat"][1:]
    assert group_alive(new_beat) and new_beat != first["beat"]

    os.kill(runall.process.pid, signal.SIGINT)
    assert runall.process.wait(60) == 0, runall.output()
    assert not any(group_alive(pid) for pid in [*first.values(), new_beat]), runall.output()


# --- the supervisor with small fake children ----------------------------------------------------------------
def fake(name: str, code: str, **kwargs) -> Child:
    return Child(name, [sys.executable, "-c", code], dict(os.environ), **kwargs)


SLEEPER = "import time; time.sleep(600)"


def fake_web(port: int) -> Child:
    return Child(
        "web",
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        dict(os.environ),
        essential=True,
    )


class Supervised:
    """A Supervisor running its loop in a thread, as runall's main loop does, with its log captured."""

    def __init__(self, children, policy):
        self.lines: list[str] = []
        self.supervisor = Supervisor(children, self.lines.append, stop_timeout=5, policy=policy)
        self.result: list = []
        self.supervisor.start()
        self.thread = threading.Thread(target=lambda: self.result.append(self.supervisor.run()), daemon=True)
        self.thread.start()

    def log(self) -> str:
        return "".join(self.lines)

    def wait_for(self, predicate, timeout=30.0):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, self.log()
            time.sleep(0.05)

    def child(self, name) -> Child:
        return next(c for c in self.supervisor.children if c.name == name)

    def close(self):
        self.supervisor.stop_requested = True
        self.thread.join(10)
        self.supervisor.stop()


@pytest.fixture
def supervised():
    started = []

    def start(children, **policy):
        instance = Supervised(children, RestartPolicy(**policy))
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.close()


def web_answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_killed_child_comes_back_and_web_keeps_serving(supervised):
    port = free_port()
    run = supervised([fake_web(port), fake("worker", SLEEPER)], backoff=0.05, max_crashes=5, window=60)
    run.wait_for(lambda: web_answers(port))
    web_pid, worker_pid = run.child("web").process.pid, run.child("worker").process.pid

    os.kill(worker_pid, signal.SIGKILL)
    run.wait_for(lambda: run.child("worker").process.pid != worker_pid)
    new_worker = run.child("worker").process
    assert new_worker.poll() is None
    assert "worker killed by SIGKILL; restarting in 0.05s (crash 1 of 5 allowed in 60s)" in run.log()
    assert run.child("web").process.pid == web_pid and web_answers(port)  # web never went away

    run.close()  # Ctrl-C: everything stops, the restarted child too
    assert new_worker.poll() is not None and run.child("web").process.poll() is not None
    assert run.result == [None] and "all processes stopped" in run.log()


def test_a_child_that_keeps_crashing_is_given_up_and_the_rest_keep_running(supervised):
    port = free_port()
    run = supervised(
        [fake_web(port), fake("sandbox", "import sys; sys.exit(3)")], backoff=0.01, max_crashes=3, window=60
    )
    run.wait_for(lambda: run.child("sandbox").given_up)
    log = run.log()
    assert log.count("started sandbox") == 3
    assert "sandbox exited with code 3; restarting in 0.01s (crash 1 of 3" in log
    assert "sandbox exited with code 3; restarting in 0.02s (crash 2 of 3" in log  # the backoff doubles
    assert "!!! sandbox exited with code 3: 3 crashes within 60s, GIVING UP on it; the other" in log
    run.wait_for(lambda: web_answers(port))
    assert run.thread.is_alive() and run.result == []  # still supervising the web
    time.sleep(0.3)
    assert log.count("started sandbox") == 3 == run.log().count("started sandbox")  # not retried again


def test_giving_up_on_web_ends_the_run(supervised):
    run = supervised(
        [fake("web", "import sys; sys.exit(1)", essential=True), fake("worker", SLEEPER)],
        backoff=0.01,
        max_crashes=2,
        window=60,
    )
    run.thread.join(30)
    assert [child.name for child in run.result] == ["web"]
    assert "GIVING UP on it\n" in run.log()  # no "the others keep running": there is no shop without web


def test_backoff_doubles_up_to_the_cap_and_old_crashes_are_forgotten():
    policy = RestartPolicy(backoff=1, backoff_max=8, max_crashes=3, window=10)
    assert [policy.delay(n) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]
    lines = []
    crasher = fake("worker", "import sys; sys.exit(2)")
    supervisor = Supervisor([crasher], lines.append, stop_timeout=5, policy=policy)
    supervisor.start()
    try:
        crasher.process.wait(10)
        assert supervisor.supervise(now=100) is None and crasher.restart_at == 101
        supervisor.supervise(now=100.5)  # still backing off
        assert lines[-1].endswith("restarting in 1s (crash 1 of 3 allowed in 10s)\n")
        first = crasher.process
        supervisor.supervise(now=101)
        assert crasher.process is not first
        crasher.process.wait(10)
        supervisor.supervise(now=102)
        assert crasher.restart_at == 104 and "restarting in 2s (crash 2 of 3" in lines[-1]
        supervisor.supervise(now=104)
        crasher.process.wait(10)
        supervisor.supervise(now=200)  # the two earlier crashes are out of the window: a fresh start
        assert not crasher.given_up and crasher.restart_at == 201 and "crash 1 of 3" in lines[-1]
        supervisor.stop_requested = True
        supervisor.supervise(now=300)  # no restart once a stop is requested
        assert crasher.process.poll() is not None and crasher.restart_at == 201
    finally:
        supervisor.stop()


def test_exit_reasons_name_the_signal():
    assert describe_exit(3) == "exited with code 3"
    assert describe_exit(0) == "exited with code 0"
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"
    assert describe_exit(-200) == "killed by signal 200"
