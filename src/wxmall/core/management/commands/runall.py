"""`manage.py runall`: the whole embedded system in one terminal, the heart of `make run`.

Starts and supervises gunicorn (web), a Celery worker, Celery beat and, when the package is present,
wxsandbox. Each child runs in its own process group (so gunicorn's and Celery's own children are
reached too) with its output prefixed by its name.

A child that exits on its own is restarted after a backoff that doubles with each crash in the last
--restart-window seconds (from --restart-backoff up to --restart-backoff-max), and the reason (exit
code or signal) is logged; the others keep running, so a dying worker or sandbox never takes the
storefront offline. After --max-crashes crashes within the window runall gives up on that child and
says so loudly, keeping the rest up, except for web: without it there is no shop, so runall then
stops everything and exits non-zero. Ctrl-C or SIGTERM stops everything: SIGTERM to each child, which
stops its own workers, then SIGKILL to whatever is left in any group after --stop-timeout.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

POLL_SECONDS = 0.2


@dataclass(frozen=True)
class RestartPolicy:
    backoff: float = 1.0  # seconds before the first restart
    backoff_max: float = 30.0
    max_crashes: int = 5  # this many crashes within `window` seconds: give up on the child
    window: float = 120.0

    def delay(self, recent_crashes: int) -> float:
        """Seconds to wait before restarting a child that crashed `recent_crashes` times in the window."""
        return min(self.backoff * 2 ** max(recent_crashes - 1, 0), self.backoff_max)


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    essential: bool = False  # runall cannot serve without it: giving up on it stops everything
    process: subprocess.Popen | None = None
    reader: threading.Thread | None = field(default=None, repr=False)
    crashes: list[float] = field(default_factory=list)  # monotonic times, within the policy's window
    restart_at: float | None = None
    given_up: bool = False


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-returncode).name}"
        return f"killed by signal {-returncode}"
    return f"exited with code {returncode}"


class Supervisor:
    """Starts children, relays their output line by line, restarts the ones that crash, and stops them
    as one."""

    def __init__(
        self,
        children: list[Child],
        write: Callable[[str], object],
        stop_timeout: float,
        policy: RestartPolicy | None = None,
    ) -> None:
        self.children = children
        self.write = write
        self.stop_timeout = stop_timeout
        self.policy = policy or RestartPolicy()
        self.output_lock = threading.Lock()
        # A plain flag, not a threading.Event: it is set from a signal handler, and Event.set() takes a
        # lock that a second signal (a double Ctrl-C) would try to take again and deadlock on.
        self.stop_requested = False
        self.width = max(len(c.name) for c in children)

    def say(self, name: str, line: str) -> None:
        with self.output_lock:
            self.write(f"{name:<{self.width}} | {line.rstrip()}\n")

    def _pump(self, child: Child, process: subprocess.Popen) -> None:
        for raw in iter(process.stdout.readline, b""):
            self.say(child.name, raw.decode("utf-8", "replace"))
        process.stdout.close()

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(
            child.argv,
            env=child.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # own group; a terminal's Ctrl-C reaches us only
        )
        child.reader = threading.Thread(
            target=self._pump, args=(child, child.process), name=f"runall-{child.name}", daemon=True
        )
        child.reader.start()
        self.say("runall", f"started {child.name} (pid {child.process.pid}): {' '.join(child.argv)}")

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def supervise(self, now: float | None = None) -> Child | None:
        """One round: notice children that exited, schedule or give up their restart, start the ones whose
        backoff is over. Returns an essential child runall gave up on (then everything must stop)."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if child.given_up:
                continue
            if child.restart_at is not None:
                if now >= child.restart_at and not self.stop_requested:
                    child.restart_at = None
                    self._spawn(child)
                continue
            if child.process is None or child.process.poll() is None:
                continue
            if self.stop_requested:  # the child saw the same Ctrl-C; stop() takes it from here
                continue
            why = describe_exit(child.process.returncode)
            # Its own children (gunicorn's workers, Celery's pool) may outlive the leader and hold the port.
            self._kill_group(child)
            child.crashes = [t for t in child.crashes if now - t < self.policy.window] + [now]
            if len(child.crashes) >= self.policy.max_crashes:
                child.given_up = True
                self.say(
                    "runall",
                    f"!!! {child.name} {why}: {len(child.crashes)} crashes within "
                    f"{self.policy.window:g}s, GIVING UP on it"
                    + ("" if child.essential else "; the other processes keep running"),
                )
                if child.essential:
                    return child
                continue
            delay = self.policy.delay(len(child.crashes))
            child.restart_at = now + delay
            self.say(
                "runall",
                f"{child.name} {why}; restarting in {delay:g}s "
                f"(crash {len(child.crashes)} of {self.policy.max_crashes} allowed in {self.policy.window:g}s)",
            )
        return None

    def run(self, on_tick: Callable[[], object] | None = None) -> Child | None:
        """Supervise until a stop is requested or an essential child is given up on; returns that child."""
        while not self.stop_requested:
            fatal = self.supervise()
            if fatal is not None:
                return fatal
            if on_tick is not None:
                on_tick()
            time.sleep(POLL_SECONDS)
        return None

    def _terminate_leaders(self) -> None:
        # SIGTERM to the leader only: gunicorn's master and Celery's main process stop their own
        # workers in order; signalling the whole group would kill pool processes mid-task.
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.terminate()

    @staticmethod
    def _kill_group(child: Child) -> None:
        if child.process is None:
            return
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
            for child in self.children:
                self._kill_group(child)
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
        defaults = RestartPolicy()
        parser.add_argument(
            "--restart-backoff", type=float, default=defaults.backoff, help="seconds before a first restart"
        )
        parser.add_argument("--restart-backoff-max", type=float, default=defaults.backoff_max)
        parser.add_argument(
            "--max-crashes",
            type=int,
            default=defaults.max_crashes,
            help="crashes of one child within --restart-window before runall gives up on it",
        )
        parser.add_argument("--restart-window", type=float, default=defaults.window)

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
        policy = RestartPolicy(
            backoff=options["restart_backoff"],
            backoff_max=options["restart_backoff_max"],
            max_crashes=max(options["max_crashes"], 1),
            window=options["restart_window"],
        )
        supervisor = Supervisor(children, self.stdout.write, options["stop_timeout"], policy)
        announce = self.announcer(supervisor, host, port, sandbox, options["sandbox_port"])

        def request_stop(signum, frame):
            supervisor.stop_requested = True

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            supervisor.start()
            fatal = supervisor.run(on_tick=announce)
            supervisor.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if fatal:
            raise CommandError(f"{fatal.name} kept crashing; stopped everything")

    def children(self, options, env: dict[str, str], sandbox: bool) -> list[Child]:
        python = sys.executable
        children = [
            Child(
                "web",
                essential=True,
                argv=[
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
                env=env,
            ),
            Child(
                "worker",
                # WARNING: the relay polls every few seconds, and INFO would log two lines per poll.
                # `flash`: flash-sale tickets into orders (settings.CELERY_TASK_ROUTES).
                [python, "-m", "celery", "-A", "wxmall", "worker", "-l", "warning", "--concurrency", "2"]
                + ["-Q", "celery,flash"],
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
            # The sandbox's Official Account and WeChat Store push to this hub's receivers (a config file's
            # own server_url wins), so following, messages and Store orders reach the demo at once.
            hub = f"http://127.0.0.1:{options['port']}"
            argv += [
                "--server-url",
                f"official_account={hub}/wechat/oa/{{appid}}/",
                "--server-url",
                f"store={hub}/wechat/store/{{appid}}/",
            ]
            config = Path(settings.PROJECT_DIR) / "sandbox.toml"
            if config.exists():
                argv += ["--config", str(config)]
            children.append(Child("sandbox", argv, env))
        return children

    def announcer(self, supervisor: Supervisor, host: str, port: int, sandbox: bool, sandbox_port: int):
        """A tick that prints where everything is once the web server answers (or after 30 s), once."""
        deadline = time.monotonic() + 30
        done = False

        def tick() -> None:
            nonlocal done
            if done or (time.monotonic() < deadline and not _port_open(host, port)):
                return
            done = True
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

        return tick
