"""TC3-HMAC-SHA256, Tencent Cloud API 3.0's request signature (wechat-kf-security-shipping.md §3.5).
Our own signer (tests check it against the reference's official vectors); POST with a JSON body only."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

ALGORITHM = "TC3-HMAC-SHA256"
SIGNED_HEADERS = ("content-type", "host", "x-tc-action")
CONTENT_TYPE = "application/json; charset=utf-8"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    host: str,
    action: str,
    body: bytes,
    timestamp: int,
    signed_headers: tuple[str, ...] = SIGNED_HEADERS,
) -> str:
    """The `Authorization` header value for a POST of `body` (exact bytes) to `host`."""
    values = {"content-type": CONTENT_TYPE, "host": host, "x-tc-action": action.lower()}
    canonical_headers = "".join(f"{k}:{values[k].strip().lower()}\n" for k in signed_headers)
    signed = ";".join(signed_headers)
    canonical = "\n".join(["POST", "/", "", canonical_headers, signed, hashlib.sha256(body).hexdigest()])
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join([ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed}, Signature={signature}"
