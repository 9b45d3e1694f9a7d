"""A real HTTP server on 127.0.0.1 in a thread, playing whoever receives our calls (a merchant's webhook, a
developer's notify URL or message server, a page server): it records every request and answers as told.

    receiver = HttpReceiver("/pay/notify")       # or the ``http_receiver`` fixture
    receiver.answer_next(500, 503)               # then ``default_status``
    receiver.respond = lambda request: 401 if bad(request) else None   # None: the scripted answer
    receiver.wait_for(2)                         # blocks until two requests were recorded
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str  # with the query string, as sent
    headers: httpx.Headers  # case-insensitive
    body: bytes
    at: float = field(default_factory=time.monotonic)

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def json(self) -> Any:
        return json.loads(self.body)


class Answer(NamedTuple):
    status: int
    body: bytes = b""
    headers: dict[str, str] = {}


# What ``respond`` may return: None (use the script), a status, (status, body) or (status, body, headers).
Response = None | int | tuple[int, bytes] | tuple[int, bytes, dict[str, str]] | Answer


def default_body(status: int) -> bytes:
    """Empty on success; on failure a small JSON error like WeChat's and most web frameworks give."""
    return b"" if status < 300 else json.dumps({"code": "FAIL", "message": f"status {status}"}).encode()


class HttpReceiver:
    """Records (method, path, headers, raw body) of every request, thread-safe, and answers with
    ``respond(request)`` if set and not None, else the next scripted status, else ``default_status``; the
    body is ``default_body(status)`` unless ``respond`` gives one. ``delay`` seconds are slept before
    answering (after recording), to play a slow receiver."""

    def __init__(self, path: str = "/") -> None:
        self.default_status = 200
        self.delay = 0.0
        self.respond: Callable[[ReceivedRequest], Response] | None = None
        self._script: list[int] = []
        self._requests: list[ReceivedRequest] = []
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = self.base_url + path
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    # -- what the test reads -------------------------------------------------------------------------------
    @property
    def requests(self) -> list[ReceivedRequest]:
        """A copy of the requests recorded so far, in arrival order."""
        with self._changed:
            return list(self._requests)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Block until at least ``count`` requests were recorded; return them all (fails after ``timeout``)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._requests) >= count, timeout):
                raise AssertionError(
                    f"expected {count} requests within {timeout}s, got {len(self._requests)}"
                )
            return list(self._requests)

    def clear(self) -> None:
        with self._changed:
            self._requests.clear()

    # -- how it answers ------------------------------------------------------------------------------------
    def answer_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, one each, then ``default_status`` again."""
        with self._changed:
            self._script.extend(statuses)

    def close(self) -> None:
        """Stop serving (idempotent); the port then refuses connections."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> HttpReceiver:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _record(self, request: ReceivedRequest) -> Answer:
        with self._changed:
            self._requests.append(request)
            scripted = self._script.pop(0) if self._script else self.default_status
            self._changed.notify_all()
        custom = self.respond(request) if self.respond is not None else None
        if custom is None:
            return Answer(scripted, default_body(scripted))
        if isinstance(custom, int):
            return Answer(custom, default_body(custom))
        return Answer(*custom)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = ReceivedRequest(self.command, self.path, httpx.Headers(self.headers.items()), body)
                answer = receiver._record(request)
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    if "content-length" not in {name.lower() for name in answer.headers}:
                        self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller gave up waiting (timeout tests)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        return Handler


@pytest.fixture
def http_receiver():
    """A fresh HttpReceiver on a random loopback port (URL path ``/``), closed after the test."""
    with HttpReceiver() as receiver:
        yield receiver
