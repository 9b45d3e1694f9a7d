"""A real HTTP receiver on 127.0.0.1 playing the merchant's system, failing on demand."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

WEBHOOK_SECRET = "test-webhook-secret"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    secret: str = WEBHOOK_SECRET  # what the hub signs with once `webhook` points it here
    requests: list[Received] = field(default_factory=list)
    # Status codes to answer with, one per request, then `default_status` once the script runs out.
    script: list[int] = field(default_factory=list)
    default_status: int = 200
    delay_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, *statuses: int) -> None:
        with self.lock:
            self.script.extend(statuses)

    def keys(self) -> list[str]:
        with self.lock:
            return [r.headers["idempotency-key"] for r in self.requests]

    def _answer(self, received: Received) -> int:
        with self.lock:
            self.requests.append(received)
            return self.script.pop(0) if self.script else self.default_status


@pytest.fixture
def receiver():
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            rcv: Receiver = state["receiver"]
            status = rcv._answer(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if rcv.delay_seconds:
                time.sleep(rcv.delay_seconds)
            reply = b'{"ok":true}' if status < 300 else f'{{"error":"status {status}"}}'.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/wxmall")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook(settings, receiver):
    """merchant_webhook pointed at the receiver, with small, predictable retry settings."""
    settings.OUTBOX_DESTINATIONS = {
        "merchant_webhook": {
            "handler": "wxmall.core.webhook.post_webhook",
            "url": receiver.url,
            "secret": WEBHOOK_SECRET,
            "timeout": 5,
        },
    }
    settings.OUTBOX_MAX_ATTEMPTS = 4
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 2
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 60
    settings.OUTBOX_BREAKER_FAILURES = 100  # tests of the breaker lower it
    settings.OUTBOX_BREAKER_COOLDOWN_SECONDS = 30
    return receiver
