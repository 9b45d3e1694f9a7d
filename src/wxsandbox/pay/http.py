"""The request pipeline shared by every Pay v3 endpoint: authenticate, run, sign the answer.

``@pay_endpoint`` wraps ``handler(request, ctx) -> (status, data)``; ``data`` None means no body (204).
Handlers raise ``PayError`` for v3 errors; authentication failures become 401 ``SIGN_ERROR``. Every answer
except a bill download is signed with the anchor the request asked for (``Wechatpay-Serial``) or the
merchant's default, and carries ``Request-ID``.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from wxsandbox.config import MerchantConfig
from wxsandbox.pay import signing
from wxsandbox.responses import PAY_MESSAGE, PAY_STATUS, dumps

JSON_TYPE = "application/json; charset=utf-8"


class PayError(Exception):
    def __init__(
        self,
        code: str,
        message: str | None = None,
        status: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or PAY_MESSAGE.get(code, code)
        self.status = status or PAY_STATUS.get(code, 400)
        self.detail = detail

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            data["detail"] = self.detail
        return data


def param_error(path: str, rule: str, message: str | None = None) -> PayError:
    """PARAM_ERROR in WeChat's wording for a body field, e.g. ``/body/amount/total``."""
    field = path.rsplit("/", 1)[-1]
    text = message or f"输入源“{path}”映射到值字段“{field}”{rule}"
    return PayError("PARAM_ERROR", text, 400, {"location": "body", "field": path})


@dataclass
class PayContext:
    sandbox: Any
    merchant: MerchantConfig
    body: bytes
    request: Request

    @property
    def settings(self):
        return self.sandbox.config.pay

    @property
    def base_url(self) -> str:
        """Scheme and host the client used (bill download URLs point back at it)."""
        return str(self.request.base_url).rstrip("/")

    def json_body(self) -> dict[str, Any]:
        """The body as a JSON object; PARAM_ERROR when it is not one."""
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PayError(
                "PARAM_ERROR", "请求体不是合法的JSON格式", 400, {"location": "body", "issue": str(exc)}
            ) from exc
        if not isinstance(data, dict):
            raise PayError("PARAM_ERROR", "请求体应为JSON对象", 400, {"location": "body"})
        return data


def raw_url(request: Request) -> str:
    """Path plus query exactly as sent (still URL-encoded): the second line of the signed message."""
    path = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string", b"")
    return path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")


def _signer(sandbox) -> ThreadPoolExecutor | None:
    """RSA signing releases the GIL, so with spare cores it runs on a small pool and the event loop keeps
    serving other requests meanwhile. The hand-off costs CPU too, so it is only worth it when there are
    cores to spare: ``pay.signing_threads`` (-1 = 2 threads on machines with ≥ 4 cores, else none)."""
    if "pay.signer" not in sandbox.extras:
        threads = sandbox.config.pay.signing_threads
        if threads < 0:
            threads = 2 if (os.cpu_count() or 1) >= 4 else 0
        pool = ThreadPoolExecutor(threads, thread_name_prefix="wxsandbox-sign") if threads else None
        sandbox.extras["pay.signer"] = pool
    return sandbox.extras["pay.signer"]


async def sign_response(
    sandbox, merchant: MerchantConfig | None, requested_serial: str | None, status: int, data: Any
) -> Response:
    body = b"" if data is None else dumps(data)
    headers = {"Request-ID": signing.request_id()}
    if merchant is not None:
        anchor = signing.choose_anchor(merchant, requested_serial)
        pool = _signer(sandbox)
        if pool is None:
            headers |= signing.signed_headers(anchor, body, sandbox.clock.wall_timestamp())
        else:
            headers |= await asyncio.get_running_loop().run_in_executor(
                pool, signing.signed_headers, anchor, body, sandbox.clock.wall_timestamp()
            )
    return Response(body, status_code=status, headers=headers, media_type=JSON_TYPE if body else None)


class NonceRegistry:
    """Nonces seen per merchant inside the timestamp window (replay protection).

    Kept in memory: a replay only matters within minutes, and a sandbox restart forgets them as a real
    gateway fleet would not, which is acceptable for an emulator and keeps a commit off every request.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def remember(self, mchid: str, nonce: str, now: float, window: float) -> bool:
        """Record the nonce; False when it was already seen less than ``window`` seconds ago."""
        key = (mchid, nonce)
        with self._lock:
            if now >= self._next_purge:
                self._seen = {k: t for k, t in self._seen.items() if now - t < window}
                self._next_purge = now + window
            seen = self._seen.get(key)
            if seen is not None and now - seen < window:
                return False
            self._seen[key] = now
            return True


def nonces_of(sandbox) -> NonceRegistry:
    return sandbox.extras.setdefault("pay.nonces", NonceRegistry())


def authenticate(sandbox, request: Request, body: bytes) -> MerchantConfig:
    settings = sandbox.config.pay
    auth = signing.parse_authorization(request.headers.get("authorization"))
    # Against wall-clock time, not sandbox time: clients sign with their real clock (see wxsandbox.clock).
    signing.check_timestamp(
        auth,
        sandbox.clock.wall_timestamp(),
        settings.timestamp_window_seconds,
        settings.reject_future_timestamps,
    )
    merchant = sandbox.config.merchant(auth.mchid)
    if merchant is None:
        raise PayError(
            "MCH_NOT_EXISTS",
            "商户号不存在",
            400,
            {"field": "mchid", "location": "authorization", "value": auth.mchid},
        )
    signing.verify_signature(auth, merchant, request.method, raw_url(request), body)
    if settings.nonce_replay == "reject" and not nonces_of(sandbox).remember(
        merchant.mchid, auth.nonce_str, sandbox.clock.wall_timestamp(), settings.timestamp_window_seconds
    ):
        raise signing.AuthError(
            "请求的nonce_str已使用过，请勿重放请求",
            {"field": "nonce_str", "location": "authorization", "issue": "nonce replayed"},
        )
    return merchant


Handler = Callable[[Request, PayContext], Awaitable[tuple[int, Any] | Response]]


def pay_endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        sandbox = request.app.state.sandbox
        body = await request.body()
        requested = request.headers.get("wechatpay-serial")
        merchant = None
        try:
            merchant = authenticate(sandbox, request, body)
            result = await handler(request, PayContext(sandbox, merchant, body, request))
        except signing.AuthError as exc:
            error = PayError("SIGN_ERROR", exc.message, 401, exc.detail)
            return await sign_response(sandbox, merchant, requested, error.status, error.body())
        except PayError as exc:
            return await sign_response(sandbox, merchant, requested, exc.status, exc.body())
        if isinstance(result, Response):
            return result
        status, data = result
        return await sign_response(sandbox, merchant, requested, status, data)

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint
