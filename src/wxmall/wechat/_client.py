"""`WeChatClient`: one per configured app, on httpx, with namespaced services.

    from wxmall.wechat import client
    client("oa").menu.create({"button": [...]})
    client("oa").message.send_text(openid, "您的订单已发货")

`request()` is what every service calls. It adds the shared access_token (unless `token=False`), sends
JSON as UTF-8 without escaping Chinese, decodes WeChat's `{"errcode", "errmsg"}` envelope into the
exceptions of `errors.py`, and:

* retries -1 (system busy), HTTP 5xx and connection failures with exponential backoff and jitter
  (tenacity; WECHAT_RETRY_ATTEMPTS tries in all). A POST whose answer timed out (or got a gateway's 504)
  is NOT retried here: WeChat may have acted on it; the outbox retries it later, with its idempotency key
  where WeChat has one, or after looking up what the lost call created (Store product/add).
* on 40001/40014/42001 compare-and-expires the token that failed and retries once with a fresh one.
* never retries quota errors (45009/45011): they raise `QuotaError` at once.
* bounds every call by WECHAT_HTTP_TIMEOUT_SECONDS (connect: WECHAT_HTTP_CONNECT_TIMEOUT_SECONDS).
* records each HTTP exchange (api name, ok, latency, errcode) in `metrics`.

`post_binary()` is the same call for the APIs that answer a file on success (a Mini Program code image)
and WeChat's JSON envelope on failure, on HTTP 200 both: it branches on the Content-Type (and a body that
starts with `{`), so errors raise exactly as from `request()`, and returns a `BinaryAnswer`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import tenacity
from django.conf import settings

from wxmall.wechat import services
from wxmall.wechat.config import WechatApp
from wxmall.wechat.errors import (
    QuotaError,
    RetryableError,
    TokenInvalidError,
    TransportError,
    WeChatError,
    error_for,
)
from wxmall.wechat.metrics import Recorder
from wxmall.wechat.models import CredentialKind
from wxmall.wechat.services.base import BinaryAnswer
from wxmall.wechat.stores import Store
from wxmall.wechat.tokens import CredentialService

USER_AGENT = "wxmall-wechat/1"
MAX_BINARY_BYTES = 4 * 1024 * 1024  # a 1280 px code is well under 1 MB; anything larger is not one

T = TypeVar("T")


class _NotSent(TransportError):
    """The request never reached WeChat (connect error): always safe to retry."""


class _Unsafe(TransportError):
    """A POST whose answer was lost: WeChat may have acted on it, so do not resend it here."""


def _retry_this(exc: BaseException) -> bool:
    return isinstance(exc, RetryableError) and not isinstance(exc, QuotaError | _Unsafe)


class WeChatClient:
    def __init__(
        self, app: WechatApp, *, store: Store, recorder: Recorder, http: httpx.Client | None = None
    ) -> None:
        self.app = app
        self._recorder = recorder
        self._http = http or httpx.Client(
            base_url=app.base_url,
            timeout=httpx.Timeout(
                settings.WECHAT_HTTP_TIMEOUT_SECONDS, connect=settings.WECHAT_HTTP_CONNECT_TIMEOUT_SECONDS
            ),
            headers={"User-Agent": USER_AGENT},
            trust_env=False,
            follow_redirects=False,
        )
        self._retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(settings.WECHAT_RETRY_ATTEMPTS),
            wait=tenacity.wait_random_exponential(
                multiplier=settings.WECHAT_RETRY_BACKOFF_SECONDS,
                max=settings.WECHAT_RETRY_BACKOFF_MAX_SECONDS,
            ),
            retry=tenacity.retry_if_exception(_retry_this),
            reraise=True,
        )
        self.tokens = CredentialService(
            app.appid,
            CredentialKind.ACCESS_TOKEN,
            self._fetch_access_token,
            store,
            refresh_ahead=settings.WECHAT_TOKEN_REFRESH_AHEAD_SECONDS,
        )
        self.tickets = CredentialService(
            app.appid,
            CredentialKind.JSAPI_TICKET,
            self._fetch_jsapi_ticket,
            store,
            refresh_ahead=settings.WECHAT_TICKET_REFRESH_AHEAD_SECONDS,
        )
        for name, service in services.REGISTRY.items():
            setattr(self, name, service(self))

    @property
    def appid(self) -> str:
        return self.app.appid

    def close(self) -> None:
        self._http.close()

    # -- the one entry point of every service -------------------------------------------------------------
    def get(self, path: str, *, api: str, params: dict | None = None, token: bool = True) -> dict[str, Any]:
        return self.request("GET", path, api=api, params=params, token=token)

    def post(
        self, path: str, *, api: str, json: Any = None, params: dict | None = None, token: bool = True
    ) -> dict[str, Any]:
        return self.request("POST", path, api=api, params=params, json=json, token=token)

    def request(
        self,
        method: str,
        path: str,
        *,
        api: str,
        params: dict | None = None,
        json: Any = None,
        token: bool = True,
        files: dict[str, tuple] | None = None,
    ) -> dict[str, Any]:
        """Call WeChat and return its decoded JSON (errcode 0). `api` names the call in the stats
        (e.g. "message.custom_send"). `files` sends a multipart body instead of JSON (media uploads)."""
        body: Any = None if json is None else _dumps(json)
        if files is not None:
            body = files
        return self._call(method, path, api, params, body, token, _decode)

    def post_binary(
        self, path: str, *, api: str, json: Any, accept: tuple[str, ...] = ("image/",)
    ) -> BinaryAnswer:
        """POST JSON to an API that answers a file (its Content-Type starting with one of `accept`) on
        success and WeChat's JSON error envelope otherwise (raised as from `request()`)."""

        def decode(response: httpx.Response, api: str, appid: str, *, unsafe: bool = False) -> BinaryAnswer:
            return _decode_binary(response, api, appid, accept=accept, unsafe=unsafe)

        return self._call("POST", path, api, None, _dumps(json), True, decode)

    def _call(
        self,
        method: str,
        path: str,
        api: str,
        params: dict | None,
        body: bytes | dict | None,
        token: bool,
        decode: Callable[..., T],
    ) -> T:
        if not token:
            return self._retrying(self._exchange, method, path, api, params, body, None, decode)
        access_token = self.tokens.get()
        try:
            return self._retrying(self._exchange, method, path, api, params, body, access_token, decode)
        except TokenInvalidError:
            self.tokens.expire(access_token)
            return self._retrying(self._exchange, method, path, api, params, body, self.tokens.get(), decode)

    def _exchange(
        self,
        method: str,
        path: str,
        api: str,
        params: dict | None,
        body: bytes | dict | None,
        access_token: str | None,
        decode: Callable[..., T],
    ) -> T:
        query = dict(params or {})
        if access_token is not None:
            query["access_token"] = access_token
        started = time.perf_counter()
        ok, errcode = False, 0
        try:
            if isinstance(body, dict):  # multipart files: httpx sets the boundary header itself
                response = self._http.request(method, path, params=query, files=body)
            else:
                headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else None
                response = self._http.request(method, path, params=query, content=body, headers=headers)
            answer = decode(response, api, self.appid, unsafe=method != "GET")
            ok = True
            return answer
        except WeChatError as exc:
            errcode = exc.errcode
            raise
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _NotSent(f"无法连接微信: {type(exc).__name__}", api=api, appid=self.appid) from exc
        except httpx.TimeoutException as exc:
            cls = _Unsafe if method != "GET" else TransportError
            raise cls(f"微信响应超时: {type(exc).__name__}", api=api, appid=self.appid) from exc
        except httpx.HTTPError as exc:
            raise TransportError(f"网络错误: {type(exc).__name__}", api=api, appid=self.appid) from exc
        finally:
            latency_ms = (time.perf_counter() - started) * 1000
            self._recorder.record(
                self.appid, api, ok, latency_ms, errcode if isinstance(errcode, int) else -2
            )

    # -- credentials --------------------------------------------------------------------------------------
    def _fetch_access_token(self) -> tuple[str, int]:
        data = self.post(
            "/cgi-bin/stable_token",
            api="stable_token",
            token=False,
            json={
                "grant_type": "client_credential",
                "appid": self.app.appid,
                "secret": self.app.secret,
                "force_refresh": False,
            },
        )
        return _credential(data, "access_token", api="stable_token", appid=self.appid)

    def _fetch_jsapi_ticket(self) -> tuple[str, int]:
        data = self.get("/cgi-bin/ticket/getticket", api="ticket.getticket", params={"type": "jsapi"})
        return _credential(data, "ticket", api="ticket.getticket", appid=self.appid)


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _decode(response: httpx.Response, api: str, appid: str, *, unsafe: bool = False) -> dict[str, Any]:
    if response.status_code == 504 and unsafe:  # a gateway gave up waiting: WeChat may have acted
        raise _Unsafe(f"微信网关超时 HTTP {response.status_code}", api=api, appid=appid)
    if response.status_code >= 500:
        raise TransportError(f"微信返回 HTTP {response.status_code}", api=api, appid=appid)
    if response.status_code != 200:
        raise error_for(-2, f"HTTP {response.status_code}", api=api, appid=appid)
    try:
        data = response.json()
    except ValueError as exc:
        raise TransportError("微信返回的不是 JSON", api=api, appid=appid) from exc
    if not isinstance(data, dict):
        raise TransportError("微信返回的 JSON 不是对象", api=api, appid=appid)
    errcode = data.get("errcode", 0)
    if errcode:  # WeChat's errors come on HTTP 200; success has errcode 0 or none
        raise error_for(
            errcode if isinstance(errcode, int) else -2, str(data.get("errmsg", "")), api=api, appid=appid
        )
    return data


def _decode_binary(
    response: httpx.Response, api: str, appid: str, *, accept: tuple[str, ...], unsafe: bool = False
) -> BinaryAnswer:
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if (
        response.status_code != 200
        or content_type in ("application/json", "text/plain")
        or response.content[:1] == b"{"
    ):
        _decode(response, api, appid, unsafe=unsafe)  # raises WeChat's error (or a transport error)
        raise TransportError("微信返回了 JSON 而不是文件", api=api, appid=appid)
    if not content_type.startswith(accept):
        raise TransportError(f"微信返回的文件类型不对: {content_type[:40]}", api=api, appid=appid)
    if not response.content or len(response.content) > MAX_BINARY_BYTES:
        raise TransportError("微信返回的文件为空或过大", api=api, appid=appid)
    return BinaryAnswer(response.content, content_type)


def _credential(data: dict[str, Any], field: str, *, api: str, appid: str) -> tuple[str, int]:
    value, expires_in = data.get(field), data.get("expires_in")
    if not isinstance(value, str) or not value or not isinstance(expires_in, int) or expires_in <= 0:
        raise TransportError(f"微信返回的 {field} 格式不对", api=api, appid=appid)
    return value, expires_in
