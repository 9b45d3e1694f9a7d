"""`manage.py runall`: the whole embedded system in one terminal, the heart of `make run`.

Starts and supervises gunicorn (web), a Celery worker, Celery beat and, when the package is present,
wxsandbox. Each child runs in its own process group (so gunicorn's and Celery's own children are
reached too) with its output prefixed by its name. Ctrl-C or SIGTERM stops everything: SIGTERM to
each child, which stops its own workers, then SIGKILL to whatever is left in any group after
--stop-timeout. If any child exits on its own, everything else is stopped and runall exits non-zero:
a half-running shop is worse than a stopped one.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

POLL_SECONDS = 0.2


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen | None = None
    reader: threading.Thread | None = field(default=None, repr=False)


class Supervisor:
    """Starts children, relays their output line by line, and stops them as one."""

    def __init__(self, children: list[Child], write, stop_timeout: float) -> None:
        self.children = children
        self.write = write
        self.stop_timeout = stop_timeout
        self.output_lock = threading.Lock()
        # A plain flag, not a threading.Event: it is set from a signal handler, and Event.set() takes a
        # lock that a second signal (a double Ctrl-C) would try to take again and deadlock on.
        self.stop_requested = False
        self.width = max(len(c.name) for c in children)

    def say(self, name: str, line: str) -> None:
        with self.output_lock:
            self.write(f"{name:<{self.width}} | {line.rstrip()}\n")

    def _pump(self, child: Child) -> None:
        for raw in iter(child.process.stdout.readline, b""):
            self.say(child.name, raw.decode("utf-8", "replace"))
        child.process.stdout.close()

    def start(self) -> None:
        for child in self.children:
            child.process = subprocess.Popen(
                child.argv,
                env=child.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # own group; a terminal's Ctrl-C reaches us only
            )
            child.reader = threading.Thread(
                target=self._pump, args=(child,), name=f"runall-{child.name}", daemon=True
            )
            child.reader.start()
            self.say("runall", f"started {child.name} (pid {child.process.pid}): {' '.join(child.argv)}")

    def first_exited(self) -> Child | None:
        return next((c for c in self.children if c.process and c.process.poll() is not None), None)

    def _terminate_leaders(self) -> None:
        # SIGTERM to the leader only: gunicorn's master and Celery's main process stop their own
        # workers in order; signalling the whole group would kill pool processes mid-task.
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.terminate()

    def _kill_groups(self) -> None:
        for child in self.children:
            if child.process is None:
                continue
            with contextlib.suppress(ProcessLookupError):  # pgid == pid: start_new_session made it a leader
                os.killpg(child.process.pid, signal.SIGKILL)

    def _groups_alive(self) -> list[str]:
        alive = []
        for child in self.children:
            if child.process is None:
                continue
            child.process.poll()  # reap the leader so a zombie does not count as alive
            try:
                os.killpg(child.process.pid, 0)
                alive.append(child.name)
            except ProcessLookupError:
                pass
        return alive

    def stop(self) -> None:
        self.say("runall", "stopping: " + ", ".join(c.name for c in self.children))
        self._terminate_leaders()
        deadline = time.monotonic() + self.stop_timeout
        while time.monotonic() < deadline and self._groups_alive():
            time.sleep(POLL_SECONDS)
        leftovers = self._groups_alive()
        if leftovers:
            self.say("runall", f"still running after {self.stop_timeout:g}s, killing: {', '.join(leftovers)}")
            self._kill_groups()
        for child in self.children:
            if child.process is not None:
                child.process.wait()
            if child.reader is not None:
                child.reader.join(timeout=2)
        self.say("runall", "all processes stopped")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class Command(BaseCommand):
    help = "启动并守护 web (gunicorn)、Celery worker、Celery beat 和 wxsandbox；Ctrl-C 全部停止。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--sandbox-port", type=int, default=9100)
        parser.add_argument("--no-sandbox", action="store_true", help="do not start wxsandbox")
        parser.add_argument(
            "--stop-timeout",
            type=float,
            default=15.0,
            help="seconds between SIGTERM and SIGKILL when stopping",
        )

    def handle(self, *args, **options):
        host, port = options["host"], options["port"]
        env = os.environ.copy()
        env.setdefault("DJANGO_SETTINGS_MODULE", "wxmall.settings")
        env.setdefault("PYTHONUNBUFFERED", "1")  # child output shows up line by line, not in blocks
        sandbox = not options["no_sandbox"] and importlib.util.find_spec("wxsandbox.cli") is not None
        if sandbox:
            # Point the hub at this sandbox unless the operator chose WeChat hosts explicitly.
            base = f"http://127.0.0.1:{options['sandbox_port']}"
            env.setdefault("WECHAT_API_BASE", base)
            env.setdefault("WECHAT_PAY_API_BASE", base)
        children = self.children(options, env, sandbox)
        supervisor = Supervisor(children, self.stdout.write, options["stop_timeout"])

        def request_stop(signum, frame):
            supervisor.stop_requested = True

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            supervisor.start()
            self.announce(supervisor, host, port, sandbox, options["sandbox_port"])
            crashed = None
            while not supervisor.stop_requested:
                crashed = supervisor.first_exited()
                if crashed:
                    break
                time.sleep(POLL_SECONDS)
            if crashed:
                supervisor.say(
                    "runall", f"{crashed.name} exited unexpectedly with code {crashed.process.returncode}"
                )
            supervisor.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if crashed:
            raise CommandError(
                f"{crashed.name} exited unexpectedly (code {crashed.process.returncode}); stopped everything"
            )

    def children(self, options, env: dict[str, str], sandbox: bool) -> list[Child]:
        python = sys.executable
        children = [
            Child(
                "web",
                [
                    python,
                    "-m",
                    "gunicorn",
                    "wxmall.wsgi:application",
                    "--bind",
                    f"{options['host']}:{options['port']}",
                    "--workers",
                    str(options["workers"]),
                    "--access-logfile",
                    "-",
                    "--no-control-socket",
                    "--graceful-timeout",
                    str(int(options["stop_timeout"])),
                ],
                env,
            ),
            Child(
                "worker",
                # WARNING: the relay polls every few seconds, and INFO would log two lines per poll.
                [python, "-m", "celery", "-A", "wxmall", "worker", "-l", "warning", "--concurrency", "2"],
                env,
            ),
            Child(
                "beat",
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "wxmall",
                    "beat",
                    "-l",
                    "warning",
                    "--schedule",
                    settings.CELERY_BEAT_SCHEDULE_FILE,
                ],
                env,
            ),
        ]
        if sandbox:
            argv = [
                python,
                "-m",
                "wxsandbox",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(options["sandbox_port"]),
                "--state",
                str(Path(settings.VAR_DIR) / "sandbox.db"),
            ]
            config = Path(settings.PROJECT_DIR) / "sandbox.toml"
            if config.exists():
                argv += ["--config", str(config)]
            children.append(Child("sandbox", argv, env))
        return children

    def announce(
        self, supervisor: Supervisor, host: str, port: int, sandbox: bool, sandbox_port: int
    ) -> None:
        """Print where everything is once the web server answers (or after 30 s, whichever first)."""
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
            and not supervisor.stop_requested
            and not supervisor.first_exited()
            and not _port_open(host, port)
        ):
            time.sleep(POLL_SECONDS)
        if supervisor.stop_requested or supervisor.first_exited():
            return
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        site = f"http://{shown}:{port}"
        lines = [
            "wxmall 已启动（Ctrl-C 全部停止）",
            f"  商城首页   {site}/",
            f"  商家后台   {site}/console/",
            f"  管理后台   {site}/admin/",
            f"  API 文档   {site}/api/docs",
        ]
        if sandbox:
            lines.append(f"  微信沙箱   http://127.0.0.1:{sandbox_port}/phone/  （模拟手机）")
        for line in lines:
            supervisor.say("runall", line)
