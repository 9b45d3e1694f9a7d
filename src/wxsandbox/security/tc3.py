"""TC3-HMAC-SHA256, Tencent Cloud API 3.0's request signature (reference §3.5), as the server checks it.

The sandbox's own implementation (it never imports the hub): it rebuilds the canonical request from the
received method, headers and exact body bytes, and compares signatures in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

ALGORITHM = "TC3-HMAC-SHA256"
_AUTH = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<sid>[^/\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z0-9]+)/tc3_request,"
    r" SignedHeaders=(?P<headers>[a-z0-9;-]+), Signature=(?P<sig>[0-9a-f]{64})"
)


@dataclass(frozen=True)
class Authorization:
    secret_id: str
    date: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse(header: str) -> Authorization | None:
    m = _AUTH.fullmatch(header.strip())
    if m is None:
        return None
    return Authorization(m["sid"], m["date"], m["service"], tuple(m["headers"].split(";")), m["sig"])


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signature(
    secret_key: str,
    *,
    method: str,
    query: str,
    headers: dict[str, str],
    signed: tuple[str, ...],
    body: bytes,
    timestamp: int,
    date: str,
    service: str,
) -> str:
    canonical_headers = "".join(f"{k}:{headers.get(k, '').strip().lower()}\n" for k in signed)
    canonical = "\n".join(
        [method.upper(), "/", query, canonical_headers, ";".join(signed), hashlib.sha256(body).hexdigest()]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join([ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected, given)
