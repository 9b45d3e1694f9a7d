"""Tencent Cloud TMS `TextModeration` (Version 2020-12-29; reference §3.4), signed with our TC3 signer.
Texts longer than the API's 10,000 characters are sent in pieces; the strictest piece decides."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from . import tc3

ACTION, VERSION, SERVICE = "TextModeration", "2020-12-29", "tms"
MAX_CHARS = 10_000
_RANK = {"Pass": 0, "Review": 1, "Block": 2}


class TmsError(Exception):
    """TMS could not judge the text (transport failure, or an API 3.0 error envelope)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@dataclass(frozen=True)
class TmsVerdict:
    suggestion: str  # Pass | Review | Block
    label: str
    keywords: tuple[str, ...]
    request_id: str


def credentials() -> tuple[str, str]:
    """(SecretId, SecretKey) from the settings; in the demo, unset ones are wxsandbox's own."""
    secret_id, secret_key = settings.COMPLIANCE_TMS_SECRET_ID, settings.COMPLIANCE_TMS_SECRET_KEY
    if settings.DEMO and not (secret_id and secret_key):
        from wxsandbox.security.settings import DEFAULT_TMS_SECRET_ID, DEFAULT_TMS_SECRET_KEY

        return secret_id or DEFAULT_TMS_SECRET_ID, secret_key or DEFAULT_TMS_SECRET_KEY
    return secret_id, secret_key


def _call(client: httpx.Client, text: str, data_id: str) -> TmsVerdict:
    payload = {"Content": base64.b64encode(text.encode()).decode()}
    if settings.COMPLIANCE_TMS_BIZ_TYPE:
        payload["BizType"] = settings.COMPLIANCE_TMS_BIZ_TYPE
    if data_id:
        payload["DataId"] = data_id
    body = json.dumps(payload, separators=(",", ":")).encode()
    endpoint = settings.COMPLIANCE_TMS_ENDPOINT.rstrip("/")
    host = urlsplit(endpoint).netloc
    timestamp = int(time.time())
    secret_id, secret_key = credentials()
    headers = {
        "Content-Type": tc3.CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": ACTION,
        "X-TC-Version": VERSION,
        "X-TC-Region": settings.COMPLIANCE_TMS_REGION,
        "X-TC-Timestamp": str(timestamp),
        "Authorization": tc3.authorization(
            secret_id=secret_id,
            secret_key=secret_key,
            service=SERVICE,
            host=host,
            action=ACTION,
            body=body,
            timestamp=timestamp,
        ),
    }
    try:
        response = client.post(endpoint + "/", content=body, headers=headers)
        answer = response.json()["Response"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise TmsError("Transport", f"腾讯云内容安全不可用：{type(exc).__name__}") from exc
    if not isinstance(answer, dict):
        raise TmsError("Transport", "腾讯云内容安全应答格式错误")
    error = answer.get("Error")
    if isinstance(error, dict):
        raise TmsError(str(error.get("Code", "Unknown"))[:80], str(error.get("Message", ""))[:200])
    suggestion = answer.get("Suggestion")
    if suggestion not in _RANK:
        raise TmsError("Transport", "腾讯云内容安全应答缺少 Suggestion")
    keywords = answer.get("Keywords") if isinstance(answer.get("Keywords"), list) else []
    return TmsVerdict(
        suggestion,
        str(answer.get("Label", ""))[:32],
        tuple(str(k)[:64] for k in keywords[:20]),
        str(answer.get("RequestId", ""))[:64],
    )


def moderate(text: str, *, data_id: str = "") -> TmsVerdict:
    """The strictest verdict over `text` in ≤ 10,000-character pieces; raises TmsError."""
    pieces = [text[i : i + MAX_CHARS] for i in range(0, len(text), MAX_CHARS)] or [""]
    with httpx.Client(timeout=settings.COMPLIANCE_TMS_TIMEOUT_SECONDS, trust_env=False) as client:
        verdicts = [_call(client, piece, data_id) for piece in pieces if piece]
    if not verdicts:
        return TmsVerdict("Pass", "Normal", (), "")
    return max(verdicts, key=lambda v: _RANK[v.suggestion])
