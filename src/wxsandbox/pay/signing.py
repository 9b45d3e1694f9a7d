"""Request authentication and response/notification signing for WeChat Pay v3 (reference §1.2–1.4).

Request:  ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",
signature="…"`` (pairs in any order) over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n``.
Response: ``Wechatpay-Timestamp/Nonce/Signature/Serial/Signature-Type`` + ``Request-ID`` over
``TIMESTAMP\\nNONCE\\nBODY\\n``, signed with the anchor the request's ``Wechatpay-Serial`` names (public-key ID
or platform-certificate serial), else the merchant's default anchor.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from wxsandbox.config import MerchantConfig
from wxsandbox.pay import crypto

SCHEME = "WECHATPAY2-SHA256-RSA2048"
_PAIR = re.compile(r'([A-Za-z_]+)="([^"]*)"')
AUTH_FIELDS = ("mchid", "nonce_str", "timestamp", "serial_no", "signature")


class AuthError(Exception):
    """A request that fails authentication: 401 SIGN_ERROR (message and optional detail)."""

    def __init__(self, message: str, detail: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class Authorization:
    mchid: str
    nonce_str: str
    timestamp: str
    serial_no: str
    signature: str


def request_message(method: str, url: str, timestamp: str, nonce: str, body: str | bytes) -> str:
    """The five-line message a merchant signs; ``url`` is path plus ``?query`` exactly as sent."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    return f"{method}\n{url}\n{timestamp}\n{nonce}\n{text}\n"


def response_message(timestamp: str, nonce: str, body: str | bytes) -> str:
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    return f"{timestamp}\n{nonce}\n{text}\n"


def invocation_message(appid: str, timestamp: str, nonce: str, package: str) -> str:
    """The four lines a merchant signs for the cashier (§1.9): ``package`` is ``prepay_id=…`` for JSAPI and
    Mini Programs, the bare prepay_id for the App SDK."""
    return f"{appid}\n{timestamp}\n{nonce}\n{package}\n"


def build_authorization(
    mchid: str,
    serial_no: str,
    private_key_pem: str,
    method: str,
    url: str,
    body: str | bytes = "",
    timestamp: int | str | None = None,
    nonce: str | None = None,
) -> str:
    """What a merchant client sends (used by tests, the benchmark and the phone UI's demos)."""
    import time

    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or crypto.nonce(32)
    signature = crypto.rsa_sign(private_key_pem, request_message(method, url, ts, nonce, body))
    return (
        f'{SCHEME} mchid="{mchid}",nonce_str="{nonce}",timestamp="{ts}",serial_no="{serial_no}",'
        f'signature="{signature}"'
    )


def parse_authorization(header: str | None) -> Authorization:
    """Parse the header (pairs in any order); AuthError for a missing/unknown scheme or missing pairs."""
    if not header:
        raise AuthError("Http头缺少Authorization")
    scheme, _, params = header.strip().partition(" ")
    if scheme != SCHEME:
        raise AuthError(
            f"Http头Authorization中的认证类型不正确，应为{SCHEME}",
            {"field": "authorization", "location": "header", "issue": "unsupported scheme"},
        )
    pairs = dict(_PAIR.findall(params))
    missing = [name for name in AUTH_FIELDS if not pairs.get(name)]
    if missing:
        raise AuthError(
            f"Http头Authorization中缺少{missing[0]}",
            {"field": missing[0], "location": "authorization", "issue": "missing"},
        )
    return Authorization(**{name: pairs[name] for name in AUTH_FIELDS})


def check_timestamp(auth: Authorization, now: float, window: int, reject_future: bool) -> None:
    if not (auth.timestamp.isdigit() and len(auth.timestamp) == 10):
        raise AuthError(
            "Http头Authorization中的timestamp格式错误，应为10位Unix时间戳（秒）",
            {"field": "timestamp", "location": "authorization", "issue": "invalid format"},
        )
    skew = int(now) - int(auth.timestamp)
    if skew >= window or (reject_future and -skew >= window):
        raise AuthError(
            "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟"
            if window == 300
            else f"Http头Authorization中的timestamp与发起请求的时间不得超过{window}秒"
        )


def verify_signature(
    auth: Authorization, merchant: MerchantConfig, method: str, url: str, body: bytes
) -> None:
    """Check serial and signature; AuthError with WeChat's ``sign_information`` diagnostic on mismatch."""
    if auth.serial_no.upper() != merchant.merchant_serial.upper():
        raise AuthError(
            "Http头Authorization中的serial_no与商户API证书序列号不匹配",
            {"field": "serial_no", "location": "authorization", "issue": "serial_no not match"},
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AuthError("请求体不是合法的UTF-8编码") from exc
    message = request_message(method, url, auth.timestamp, auth.nonce_str, text)
    if not crypto.rsa_verify(merchant.merchant_public_key_pem, message, auth.signature):
        raise AuthError(
            "签名错误，请检查后再试",
            {
                "field": "signature",
                "location": "authorization",
                "detail": {"issue": "sign not match"},
                "sign_information": {
                    "method": method,
                    "url": url,
                    "sign_message_length": len(message.encode()),
                    "truncated_sign_message": message[:64] + "\n",
                },
            },
        )


@dataclass(frozen=True)
class Anchor:
    """A key WeChat Pay signs with: the public-key-mode pair or the platform-certificate pair."""

    serial: str
    private_key_pem: str


def anchors(merchant: MerchantConfig) -> dict[str, Anchor]:
    return {
        "public_key": Anchor(merchant.platform_public_key_id, merchant.platform_private_key_pem),
        "certificate": Anchor(merchant.platform_cert_serial, merchant.platform_cert_private_key_pem),
    }


def choose_anchor(merchant: MerchantConfig, requested_serial: str | None) -> Anchor:
    """The anchor named by the request's ``Wechatpay-Serial`` (public-key ID or cert serial), else default."""
    options = anchors(merchant)
    if requested_serial:
        wanted = requested_serial.strip().upper()
        for anchor in options.values():
            if anchor.serial.upper() == wanted:
                return anchor
    return options["public_key" if merchant.platform_mode == "migrating" else merchant.platform_mode]


def notification_anchor(merchant: MerchantConfig, draw: float) -> Anchor:
    """The anchor a notification is signed with; while migrating, ``draw`` (0–1, seeded) picks either."""
    if merchant.platform_mode == "migrating":
        return anchors(merchant)["public_key" if draw < 0.5 else "certificate"]
    return choose_anchor(merchant, None)


def signed_headers(anchor: Anchor, body: bytes, now: int) -> dict[str, str]:
    """Response/notification signature headers over ``body`` (b"" for 204)."""
    ts, nonce = str(now), crypto.hex_nonce()
    return {
        "Wechatpay-Timestamp": ts,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": crypto.rsa_sign(anchor.private_key_pem, response_message(ts, nonce, body)),
        "Wechatpay-Serial": anchor.serial,
        "Wechatpay-Signature-Type": SCHEME,
    }


def request_id() -> str:
    """Opaque id in WeChat's shape, e.g. ``08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-0``."""
    return secrets.token_hex(22).upper() + "-0"
