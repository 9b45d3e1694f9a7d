"""A small HTTP/1.1 client for outbound callbacks, with keep-alive connections per origin.

Why not httpx: with dozens of concurrent deliveries, httpx/httpcore spend milliseconds of CPU per request
in their pool bookkeeping, which made notification delivery the sandbox's bottleneck. A callback needs
little: one request, status and body back, a deadline, connection reuse. Supports http and https,
Content-Length and chunked response bodies, and bodies delimited by connection close.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit


class OutboundError(Exception):
    """The request got no HTTP answer. ``kind`` is ``ConnectError`` or ``ProtocolError``."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reused: bool = field(default=False)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class OutboundHTTP:
    def __init__(self, max_idle_per_origin: int = 32) -> None:
        self._idle: dict[tuple[str, str, int], list[_Conn]] = {}
        self._max_idle = max_idle_per_origin
        self._ssl: ssl.SSLContext | None = None

    async def request(
        self,
        method: str,
        url: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        timeout: float = 5.0,
    ) -> tuple[int, bytes]:
        """Send one request; returns (status, body). Raises TimeoutError or OutboundError."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OutboundError("ConnectError", f"unsupported URL {url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        origin = (parts.scheme, parts.hostname, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}"]
        lines += [
            f"{k}: {v}"
            for k, v in (headers or {}).items()
            if k.lower() not in ("host", "content-length", "connection")
        ]
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body
        return await asyncio.wait_for(self._exchange(origin, payload, method), timeout)

    async def _exchange(self, origin, payload: bytes, method: str) -> tuple[int, bytes]:
        for attempt in range(2):
            conn = await self._connection(origin)
            try:
                conn.writer.write(payload)
                await conn.writer.drain()
                status, response, keep = await self._read_response(conn.reader, method)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                conn.close()
                if conn.reused and attempt == 0:
                    continue  # the peer closed an idle keep-alive connection: retry once on a fresh one
                raise OutboundError("ProtocolError", f"connection closed: {exc}") from exc
            except BaseException:
                conn.close()
                raise
            if keep:
                self._release(origin, conn)
            else:
                conn.close()
            return status, response
        raise OutboundError("ProtocolError", "connection closed")  # pragma: no cover (loop returns or raises)

    async def _connection(self, origin) -> _Conn:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if not conn.reader.at_eof() and not conn.writer.is_closing():
                conn.reused = True
                return conn
            conn.close()
        scheme, host, port = origin
        context = None
        if scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            context = self._ssl
        try:
            reader, writer = await asyncio.open_connection(host, port, ssl=context, limit=1 << 20)
        except OSError as exc:
            raise OutboundError("ConnectError", str(exc) or type(exc).__name__) from exc
        return _Conn(reader, writer)

    def _release(self, origin, conn: _Conn) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) < self._max_idle:
            idle.append(conn)
        else:
            conn.close()

    @staticmethod
    async def _read_response(reader: asyncio.StreamReader, method: str) -> tuple[int, bytes, bool]:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
            try:
                version, code = status_line.split(" ", 2)[:2]
                status = int(code)
            except ValueError as exc:
                raise OutboundError("ProtocolError", f"bad status line {status_line!r}") from exc
            if status != 100:
                break
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return status, b"", keep
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass  # trailers
                    return status, b"".join(chunks), keep
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
        if "content-length" in headers:
            return status, await reader.readexactly(int(headers["content-length"])), keep
        return status, await reader.read(), False

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()
