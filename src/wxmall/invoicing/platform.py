"""Invoicing-platform adapters. A platform issues an invoice for a request number, answers queries by it,
reverses an issued invoice with a red-letter one, and serves the PDFs.

Adapters are named by dotted path in `INVOICE_PLATFORM["adapter"]` and built with a `PlatformConfig`.
Every adapter must be idempotent on the request number (the outbox delivers at least once) and must
raise:

  PlatformTimeout   the answer did not arrive; the invoice MAY exist. Callers query before trying again.
  PlatformUnavailable  the platform could not take the request (connection refused, 5xx, 429): retry.
  PlatformRefused   a definitive refusal (bad title, tax id, amounts); retrying the same request cannot help.

`FapiaoPlatform` speaks the protocol of wxsandbox's fake platform (documented in `wxsandbox.fapiao`):
HMAC-SHA256-signed JSON requests. A real platform (百望, 航信, 诺诺…) gets its own adapter class here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx

from .config import PlatformConfig


class PlatformError(Exception):
    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class PlatformTimeout(PlatformError):
    pass


class PlatformUnavailable(PlatformError):
    pass


class PlatformRefused(PlatformError):
    pass


@dataclass(frozen=True)
class Issued:
    request_no: str
    invoice_no: str
    issued_at: int  # Unix seconds
    total: int
    reversed_by: str | None = None


class FapiaoPlatform:
    def __init__(self, config: PlatformConfig) -> None:
        self.config = config

    def _headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(12)
        message = f"{method}\n{path}\n{timestamp}\n{nonce}\n".encode() + body
        signature = hmac.new(self.config.app_secret.encode(), message, hashlib.sha256).hexdigest()
        return {
            "X-Fapiao-App": self.config.app_key,
            "X-Fapiao-Timestamp": timestamp,
            "X-Fapiao-Nonce": nonce,
            "X-Fapiao-Signature": signature,
            "Content-Type": "application/json; charset=utf-8",
        }

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> httpx.Response:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        try:
            response = httpx.request(
                method,
                self.config.base_url + path,
                content=body or None,
                headers=self._headers(method, path, body),
                timeout=self.config.timeout,
                trust_env=False,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise PlatformUnavailable(f"无法连接开票平台：{type(exc).__name__}") from exc
        except httpx.TimeoutException as exc:
            raise PlatformTimeout(f"开票平台响应超时：{type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise PlatformTimeout(f"开票平台网络错误：{type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code in (401, 429):
            # 401: a clock or credential problem on our side of the wire, fixed without a new request.
            raise PlatformUnavailable(f"开票平台 HTTP {response.status_code} {_message(response)}")
        return response

    @staticmethod
    def _issued(data: dict[str, Any]) -> Issued:
        return Issued(
            request_no=str(data["request_no"]),
            invoice_no=str(data["invoice_no"]),
            issued_at=int(data["issued_at"]),
            total=int(data["total"]),
            reversed_by=data.get("reversed_by") or None,
        )

    def _result(self, response: httpx.Response) -> Issued:
        if response.status_code == 200:
            return self._issued(response.json())
        raise PlatformRefused(_message(response), _code(response))

    def issue(self, request: dict[str, Any]) -> Issued:
        return self._result(self._call("POST", "/fapiao/v1/invoices", request))

    def query(self, request_no: str) -> Issued | None:
        response = self._call("GET", f"/fapiao/v1/invoices/{request_no}")
        return None if response.status_code == 404 else self._result(response)

    def reverse(self, request_no: str, red_request_no: str, reason: str) -> Issued:
        payload = {"red_request_no": red_request_no, "reason": reason}
        return self._result(self._call("POST", f"/fapiao/v1/invoices/{request_no}/red", payload))

    def pdf(self, request_no: str) -> bytes:
        response = self._call("GET", f"/fapiao/v1/invoices/{request_no}/pdf")
        if response.status_code != 200 or not response.content.startswith(b"%PDF-"):
            raise PlatformUnavailable(f"发票 PDF 获取失败：HTTP {response.status_code}")
        return response.content


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code", ""))
    except ValueError:
        return ""


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
        return f"{data.get('code', '')} {data.get('message', '')}".strip()[:200]
    except ValueError:
        return response.text[:200]
