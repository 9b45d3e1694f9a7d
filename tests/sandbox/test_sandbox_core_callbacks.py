"""The callback dispatcher and its HTTP client, without any surface: custom kinds, resume after restart,
cancellation, and the wire details of responses (chunked, close-delimited, keep-alive reuse)."""

import asyncio
import socket
import subprocess
import sys
import time

import httpx
import pytest

from wxsandbox.callbacks import CallbackKind
from wxsandbox.outbound import OutboundError, OutboundHTTP
from wxsandbox.testing import run_sandbox


async def serve_raw(responses: list[bytes]):
    """A TCP server answering each request on a connection with the next scripted raw response."""
    seen = []

    async def handle(reader, writer):
        try:
            while responses:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                seen.append(head + await reader.readexactly(length))
                raw = responses.pop(0)
                writer.write(raw)
                await writer.drain()
                if b"Connection: close" in raw or b"Content-Length" not in raw and b"chunked" not in raw:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/cb?x=1", seen


def test_outbound_client_reads_every_body_framing():
    async def scenario():
        server, url, seen = await serve_raw(
            [
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n",
                b"HTTP/1.1 204 No Content\r\n\r\n",
                b"HTTP/1.0 500 Internal Server Error\r\n\r\nclose-delimited body",
            ]
        )
        client = OutboundHTTP()
        results = [await client.request("POST", url, b'{"a":1}', {"X-Test": "1"}) for _ in range(4)]
        await client.aclose()
        server.close()
        return results, seen

    results, seen = asyncio.run(scenario())
    # The server closes after the 204 although the client kept the connection: the 4th request notices the
    # stale keep-alive connection and is retried once on a fresh one.
    assert results == [(200, b"hello"), (200, b"abcde"), (204, b""), (500, b"close-delimited body")]
    assert seen[0].startswith(b"POST /cb?x=1 HTTP/1.1\r\n") and b"X-Test: 1" in seen[0]
    assert seen[0].endswith(b'{"a":1}')


def test_outbound_client_errors_and_timeouts():
    async def scenario():
        client = OutboundHTTP()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]
        with pytest.raises(OutboundError) as refused:
            await client.request("POST", f"http://127.0.0.1:{closed_port}/", b"")
        silent = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = silent.sockets[0].getsockname()[1]
        with pytest.raises(TimeoutError):
            await client.request("POST", f"http://127.0.0.1:{port}/", b"", timeout=0.1)
        with pytest.raises(OutboundError):
            await client.request("POST", "ftp://example.com/", b"")
        silent.close()
        return refused.value.kind

    assert asyncio.run(scenario()) == "ConnectError"


def test_custom_kind_schedule_and_on_result(wxsandbox, http_receiver):
    seen = []
    wxsandbox.sandbox.callbacks.register(
        CallbackKind(
            name="test.kind",
            schedule=(5, 7),
            timeout=1,
            prepare=lambda d: ({"X-Attempt": str(d["attempts"] + 1)}, d["body"] + b"!"),
            is_success=lambda status, body: status == 200 and body == b"ok",
            on_result=lambda d, status, body: seen.append((d["attempts"], status, body)),
        )
    )
    replies = [b"no", b"nope", b"ok"]
    http_receiver.respond = lambda request: (200, replies.pop(0))
    [delivery_id] = wxsandbox.sandbox.callbacks.enqueue("test.kind", http_receiver.url, b"ping", {"n": 1})
    delivery = wxsandbox.wait_delivery(delivery_id)
    received = [(r.headers["X-Attempt"], r.body) for r in http_receiver.requests]
    assert delivery["status"] == "delivered" and delivery["meta"] == {"n": 1}
    # This kind's success rule wants body "ok": a 200 "no" is retried like any failure.
    assert received == [("1", b"ping!"), ("2", b"ping!"), ("3", b"ping!")]
    assert seen == [(1, 200, b"no"), (2, 200, b"nope"), (3, 200, b"ok")]
    log = delivery["attempt_log"]
    assert [round(b["scheduled_at"] - a["scheduled_at"]) for a, b in zip(log, log[1:], strict=False)] == [
        5,
        7,
    ]


def test_unknown_kind_fails_its_attempts_and_cancel_withdraws(wxsandbox):
    callbacks = wxsandbox.sandbox.callbacks
    [orphan] = callbacks.enqueue("nobody.registered", "http://127.0.0.1:9/", b"x")
    wxsandbox.wait_for(lambda: callbacks.get(orphan)["status"] == "failed")
    assert "no callback kind" in callbacks.get(orphan)["attempt_log"][0]["error"]
    [later] = callbacks.enqueue("nobody.registered", "http://127.0.0.1:9/", b"x", delay=3600)
    assert callbacks.cancel(later) and callbacks.get(later)["status"] == "dropped"
    assert not callbacks.cancel(later)


def test_pending_deliveries_resume_after_a_restart(tmp_path, wxsandbox_base_config, receiver):
    state = str(tmp_path / "resume.db")
    with run_sandbox(wxsandbox_base_config, state, time_factor=1.0) as first:
        first.sandbox.callbacks.enqueue(
            "pay.notify", receiver.url, b"{}", {"mchid": first.merchant.mchid}, delay=30
        )
    assert receiver.requests == []
    with run_sandbox(wxsandbox_base_config, state, time_factor=1.0) as second:
        assert second.deliveries()[0]["status"] == "pending"
        second.advance_clock(30)
        second.wait_for(lambda: second.deliveries()[0]["status"] == "delivered")
    assert len(receiver.requests) == 1


def test_cli_serve_answers_and_stops(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wxsandbox",
            "serve",
            "--port",
            str(port),
            "--state",
            str(tmp_path / "cli.db"),
            "--log-level",
            "warning",
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/sandbox/info", trust_env=False)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, "serve did not come up"
                time.sleep(0.05)
        assert response.status_code == 200 and "wxsandbox.pay" in response.json()["surfaces"]
        keys = httpx.get(f"http://127.0.0.1:{port}/sandbox/keys", trust_env=False).json()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    exported = subprocess.run(
        [sys.executable, "-m", "wxsandbox", "keys", "--export", "--state", str(tmp_path / "cli.db")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert keys["merchants"][0]["apiv3_key"] in exported  # the same persisted keys
