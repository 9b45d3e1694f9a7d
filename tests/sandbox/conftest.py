"""Helpers for the sandbox's own tests; the sandbox fixtures themselves come from the root conftest."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT
from wxsandbox.testing import run_sandbox


class Receiver:
    """A developer's notify endpoint: records every POST and answers with the scripted statuses.

    ``statuses`` is consumed one per request (then ``default``); ``delay`` seconds are slept before answering.
    """

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.default = 200
        self.delay = 0.0
        self.check = None  # optional check(headers, body) -> bool: False answers 401 (a verifying merchant)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        {
                            "headers": dict(self.headers.items()),
                            "body": body,
                            "path": self.path,
                            "at": time.monotonic(),
                        }
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.default
                if receiver.check is not None and not receiver.check(dict(self.headers.items()), body):
                    status = 401
                if receiver.delay:
                    time.sleep(receiver.delay)
                payload = b'{"code":"FAIL","message":"fail"}' if status >= 300 else b""
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pay/notify"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    def wait(self, count: int, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} callbacks, got {len(self.requests)}")
            time.sleep(0.005)
        return self.requests

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def oa(wxsandbox_base_config):
    """The default config's Official Account."""
    return wxsandbox_base_config.apps_of_kind(OFFICIAL_ACCOUNT)[0]


@pytest.fixture
def mp(wxsandbox_base_config):
    """The default config's Mini Program."""
    return wxsandbox_base_config.apps_of_kind(MINI_PROGRAM)[0]


@pytest.fixture(scope="module")
def shared_handle(wxsandbox_base_config):
    """One sandbox per module for stateless refusal tests (a sandbox start costs more than the test)."""
    with run_sandbox(wxsandbox_base_config) as handle:
        yield handle


@pytest.fixture
def sb(shared_handle):
    """The module's shared sandbox, with mp state and faults cleared."""
    shared_handle.control("POST", "mp/reset")
    shared_handle.clear_faults()
    return shared_handle
