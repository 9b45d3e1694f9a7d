"""The hub's side of WeChat Pay v3 on the wire, through the `wechatpayv3` package (its gateway pointed at
`WECHAT_PAY_API_BASE`: wxsandbox by default, WeChat by settings alone).

wechatpayv3 signs requests and verifies answers. Notifications are verified here, with its primitives
(`rsa_verify`, `aes_decrypt`) but our own key choice: it knows one anchor and, for an unknown serial,
downloads certificates inside the request, and it does not look at the timestamp. We choose among every
configured key by `Wechatpay-Serial` (a merchant migrating has both), refuse unknown serials outright,
refuse timestamps outside the tolerance, and refuse `WECHATPAY/SIGNTEST/` probes (reference §1.3).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import aes_decrypt, rsa_verify

from .config import PayConfig

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
TRANSFER_NAME_FROM = 200_000  # fen: a merchant transfer of 2,000 yuan or more must carry user_name (§5.12)


class GatewayError(Exception):
    """WeChat Pay answered with an error (status, v3 `code`), or could not be reached (status 0)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def _cert_dir(config: PayConfig) -> str:
    """Certificate mode: wechatpayv3 reads `<dir>/*.pem` instead of downloading /v3/certificates."""
    from cryptography import x509

    folder = Path(settings.VAR_DIR) / "wechatpay-certs" / config.mchid
    folder.mkdir(parents=True, exist_ok=True)
    for pem in config.platform_cert_pems:
        serial = format(x509.load_pem_x509_certificate(pem.encode()).serial_number, "X")
        path = folder / f"{serial}.pem"
        if not path.exists():
            path.write_text(pem, encoding="utf-8")
    return str(folder)


def client(config: PayConfig, kind: WeChatPayType = WeChatPayType.NATIVE, appid: str = "") -> WeChatPay:
    anchor: dict[str, Any] = (
        {"public_key": config.public_key_pem, "public_key_id": config.public_key_id}
        if config.public_key_id
        else {"cert_dir": _cert_dir(config)}
    )
    wxpay = WeChatPay(
        wechatpay_type=kind,
        mchid=config.mchid,
        private_key=config.merchant_private_key_pem,
        cert_serial_no=config.merchant_serial,
        appid=appid or config.appid,
        apiv3_key=config.apiv3_key,
        notify_url=config.notify_url,
        timeout=settings.WECHAT_PAY_HTTP_TIMEOUT_SECONDS,
        **anchor,
    )
    wxpay._core._gate_way = config.api_base  # documented private attribute (MACHINE-NOTES)
    return wxpay


def _call(fn, *args, **kwargs) -> tuple[int, dict[str, Any]]:
    """Run a wechatpayv3 call; (status, JSON body). Unreachable or an unverifiable answer → GatewayError."""
    try:
        status, text = fn(*args, **kwargs)
    except requests.RequestException as exc:
        raise GatewayError(0, "NETWORK_ERROR", type(exc).__name__) from exc
    except Exception as exc:  # wechatpayv3 raises bare Exception for a bad answer signature
        raise GatewayError(0, "VERIFY_ERROR", str(exc)[:200]) from exc
    try:
        body = json.loads(text) if text else {}
    except (TypeError, ValueError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    return status, body


def _ok(status: int, body: dict[str, Any]) -> dict[str, Any]:
    if 200 <= status < 300:
        return body
    raise GatewayError(status, str(body.get("code", "")), str(body.get("message", ""))[:200])


KINDS = {
    "jsapi": WeChatPayType.JSAPI,
    "miniprogram": WeChatPayType.MINIPROG,
    "h5": WeChatPayType.H5,
    "native": WeChatPayType.NATIVE,
}


def prepay(
    config: PayConfig,
    method: str,
    *,
    appid: str,
    out_trade_no: str,
    description: str,
    amount: int,
    time_expire: str,
    openid: str = "",
    client_ip: str = "",
    profit_sharing: bool = False,
) -> dict[str, Any]:
    """Place the order with WeChat Pay; the answer holds prepay_id, code_url or h5_url. With
    `profit_sharing` the paid funds stay frozen for a later split (`settle_info`, reference kf §5.1)."""
    kind = KINDS[method]
    extra: dict[str, Any] = {}
    if profit_sharing:
        extra["settle_info"] = {"profit_sharing": True}
    if openid:
        extra["payer"] = {"openid": openid}
    if method == "h5":
        extra["scene_info"] = {"payer_client_ip": client_ip, "h5_info": {"type": "Wap", "app_name": "wxmall"}}
    elif client_ip:
        extra["scene_info"] = {"payer_client_ip": client_ip}
    wxpay = client(config, kind, appid)
    return _ok(
        *_call(
            wxpay.pay,
            description=description[:127],
            out_trade_no=out_trade_no,
            amount={"total": amount, "currency": "CNY"},
            time_expire=time_expire,
            pay_type=kind,
            **extra,
        )
    )


def query(config: PayConfig, out_trade_no: str) -> tuple[int, dict[str, Any]]:
    """(status, Transaction); 404 when WeChat has no such order."""
    return _call(client(config).query, out_trade_no=out_trade_no)


def close(config: PayConfig, out_trade_no: str) -> int:
    status, body = _call(client(config).close, out_trade_no=out_trade_no)
    if status == 204 or 200 <= status < 300:
        return status
    raise GatewayError(status, str(body.get("code", "")), str(body.get("message", ""))[:200])


def refund(
    config: PayConfig, *, out_trade_no: str, out_refund_no: str, amount: int, total: int, reason: str
) -> tuple[int, dict[str, Any]]:
    return _call(
        client(config).refund,
        out_refund_no=out_refund_no,
        amount={"refund": amount, "total": total, "currency": "CNY"},
        out_trade_no=out_trade_no,
        reason=reason or None,
        notify_url=config.refund_notify_url,
    )


def query_refund(config: PayConfig, out_refund_no: str) -> tuple[int, dict[str, Any]]:
    return _call(client(config).query_refund, out_refund_no=out_refund_no)


def invocation(config: PayConfig, appid: str, prepay_id: str) -> dict[str, str]:
    """`getBrandWCPayRequest` / `wx.requestPayment` parameters with paySign made here, server-side (§1.9)."""
    timestamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
    pay_sign = client(config, WeChatPayType.JSAPI, appid).sign([appid, timestamp, nonce, package])
    return {
        "appId": appid,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": pay_sign,
    }


# --- profit sharing and merchant transfer (reference wechat-kf-security-shipping.md §5) ------------------
def add_receiver(config: PayConfig, *, kind: str, account: str, name: str = "") -> dict[str, Any]:
    """Register a profit-sharing receiver (idempotent on WeChat's side). A merchant needs its full name,
    sent RSA-OAEP encrypted by wechatpayv3."""
    return _ok(
        *_call(
            client(config).profitsharing_add_receiver,
            account_type=kind,
            account=account,
            relation_type="DISTRIBUTOR",
            name=name or None,
        )
    )


def share(
    config: PayConfig, *, transaction_id: str, out_order_no: str, receivers: list[dict], unfreeze: bool
) -> dict[str, Any]:
    """Create a profit-sharing order; `out_order_no` is the idempotency key (keep it on retries)."""
    return _ok(
        *_call(
            client(config).profitsharing_order,
            transaction_id=transaction_id,
            out_order_no=out_order_no,
            receivers=receivers,
            unfreeze_unsplit=unfreeze,
        )
    )


def query_share(config: PayConfig, *, transaction_id: str, out_order_no: str) -> tuple[int, dict[str, Any]]:
    return _call(
        client(config).profitsharing_order_query, transaction_id=transaction_id, out_order_no=out_order_no
    )


def return_share(
    config: PayConfig,
    *,
    out_order_no: str,
    out_return_no: str,
    return_mchid: str,
    amount: int,
    description: str,
) -> dict[str, Any]:
    """Claw money back from a MERCHANT_ID receiver of a split (only those can be returned from)."""
    return _ok(
        *_call(
            client(config).profitsharing_return,
            out_return_no=out_return_no,
            return_mchid=return_mchid,
            amount=amount,
            description=description,
            out_order_no=out_order_no,
        )
    )


def query_return(config: PayConfig, *, out_order_no: str, out_return_no: str) -> tuple[int, dict[str, Any]]:
    return _call(
        client(config).profitsharing_return_query, out_order_no=out_order_no, out_return_no=out_return_no
    )


def unfreeze(
    config: PayConfig, *, transaction_id: str, out_order_no: str, description: str
) -> dict[str, Any]:
    return _ok(
        *_call(
            client(config).profitsharing_unfreeze,
            transaction_id=transaction_id,
            out_order_no=out_order_no,
            description=description,
        )
    )


def unsplit_amount(config: PayConfig, transaction_id: str) -> int:
    body = _ok(*_call(client(config).profitsharing_amount_query, transaction_id=transaction_id))
    value = body.get("unsplit_amount")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def transfer(
    config: PayConfig,
    *,
    out_bill_no: str,
    openid: str,
    amount: int,
    remark: str,
    scene_id: str,
    reports: list[dict],
    user_name: str = "",
) -> dict[str, Any]:
    """商家转账 to a person's balance; the answer's state is usually WAIT_USER_CONFIRM (§5.12). From
    2,000 yuan WeChat requires the payee's real name: wechatpayv3 encrypts `user_name` with WeChat Pay's
    public key (RSA-OAEP) and sends `Wechatpay-Serial`. Below the threshold it is not sent (callers pass
    it only when required: the less personal data leaves, the better)."""
    if amount >= TRANSFER_NAME_FROM and not user_name:
        raise ValueError("a transfer from 2,000 yuan needs the payee's real name")
    return _ok(
        *_call(
            client(config).mch_transfer_bills,
            out_bill_no=out_bill_no,
            transfer_scene_id=scene_id,
            openid=openid,
            transfer_amount=amount,
            transfer_remark=remark[:32],
            user_name=user_name or None,
            user_recv_perception="现金奖励",
            transfer_scene_report_infos=reports,
        )
    )


def query_transfer(config: PayConfig, out_bill_no: str) -> tuple[int, dict[str, Any]]:
    return _call(client(config).mch_transfer_bills_query, out_bill_no=out_bill_no)


# --- notifications ---------------------------------------------------------------------------------------
class Rejected(Exception):
    """A notification that is not from WeChat Pay for us, or not intact: answer 4xx, store nothing."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Verified:
    serial: str
    envelope: dict[str, Any]
    resource: dict[str, Any]
    headers: dict[str, str]


HEADERS = (
    "HTTP_WECHATPAY_TIMESTAMP",
    "HTTP_WECHATPAY_NONCE",
    "HTTP_WECHATPAY_SIGNATURE",
    "HTTP_WECHATPAY_SERIAL",
)


def verify_notification(config: PayConfig, meta: dict[str, Any], body: bytes, now: float) -> Verified:
    """Verify over the raw bytes and headers, then decrypt. Raises Rejected (401 for a signature problem,
    400 for a malformed envelope)."""
    values = {name: str(meta.get(name, "")) for name in (*HEADERS, "HTTP_WECHATPAY_SIGNATURE_TYPE")}
    timestamp, nonce, signature, serial = (values[h] for h in HEADERS)
    if not (timestamp and nonce and signature and serial):
        raise Rejected(401, "missing signature headers")
    if values["HTTP_WECHATPAY_SIGNATURE_TYPE"] not in ("", SIGNATURE_TYPE):
        raise Rejected(401, "unsupported signature type")
    if not (timestamp.isdigit() and len(timestamp) == 10):
        raise Rejected(401, "malformed timestamp")
    if abs(now - int(timestamp)) > settings.WECHAT_PAY_NOTIFY_TOLERANCE_SECONDS:
        raise Rejected(401, "stale timestamp")
    if signature.startswith("WECHATPAY/SIGNTEST/"):
        raise Rejected(401, "signature probe")
    key = config.key_for(serial)
    if key is None:
        raise Rejected(401, "unknown serial")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None
    if not rsa_verify(timestamp, nonce, text, signature, key):
        raise Rejected(401, "bad signature")
    try:
        envelope = json.loads(text)
        resource = envelope["resource"]
        if (
            envelope.get("resource_type") != "encrypt-resource"
            or resource.get("algorithm") != "AEAD_AES_256_GCM"
        ):
            raise ValueError("unsupported resource")
        plain = aes_decrypt(
            nonce=str(resource["nonce"]),
            ciphertext=str(resource["ciphertext"]),
            associated_data=str(resource.get("associated_data") or ""),
            apiv3_key=config.apiv3_key,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise Rejected(400, "malformed envelope") from None
    if plain is None:
        raise Rejected(400, "cannot decrypt resource")
    try:
        decrypted = json.loads(plain)
    except ValueError:
        raise Rejected(400, "malformed resource") from None
    if not isinstance(decrypted, dict) or not isinstance(envelope.get("id"), str) or not envelope["id"]:
        raise Rejected(400, "malformed resource")
    headers = {h[5:].replace("_", "-").title(): values[h] for h in values if values[h]}
    return Verified(serial=serial.upper(), envelope=envelope, resource=decrypted, headers=headers)


# --- bills -----------------------------------------------------------------------------------------------
class NoBill(Exception):
    """WeChat has no bill for that day (NO_STATEMENT_EXIST: no transactions, or not generated yet)."""


def trade_bill(config: PayConfig, bill_date: str) -> str:
    """The day's trade bill (ALL) as text (reference §1.13)."""
    wxpay = client(config)
    return _bill(config, wxpay, wxpay.trade_bill, bill_date=bill_date, bill_type="ALL", tar_type="GZIP")


def fund_flow_bill(config: PayConfig, bill_date: str, account_type: str = "BASIC") -> str:
    """The day's fund-flow bill of one account (BASIC, OPERATION, FEES) as text."""
    wxpay = client(config)
    return _bill(
        config, wxpay, wxpay.fundflow_bill, bill_date=bill_date, account_type=account_type, tar_type="GZIP"
    )


def _bill(config: PayConfig, wxpay: WeChatPay, ask, **params) -> str:
    """The signed pointer, then the unsigned GZIP file whose decompressed SHA-1 must equal `hash_value`."""
    import gzip
    import hashlib

    status, body = _call(ask, **params)
    if status == 400 and body.get("code") == "NO_STATEMENT_EXIST":
        raise NoBill(str(body.get("message", ""))[:200])
    info = _ok(status, body)
    url, expected = str(info.get("download_url", "")), str(info.get("hash_value", "")).lower()
    if not url.startswith(config.api_base.rstrip("/") + "/") or info.get("hash_type") != "SHA1":
        raise GatewayError(0, "BAD_BILL_POINTER", "download_url outside the configured API base")
    try:
        status, content = wxpay.download_bill(url)
    except requests.RequestException as exc:
        raise GatewayError(0, "NETWORK_ERROR", type(exc).__name__) from exc
    if status != 200 or not isinstance(content, bytes):
        raise GatewayError(status, "BILL_DOWNLOAD_FAILED", "bill file not downloaded")
    try:
        plain = gzip.decompress(content)
    except (OSError, EOFError) as exc:
        raise GatewayError(0, "BILL_CORRUPT", "bill file is not GZIP") from exc
    if hashlib.sha1(plain).hexdigest() != expected:  # noqa: S324 - WeChat's integrity check is SHA-1
        raise GatewayError(0, "BILL_HASH_MISMATCH", "bill file does not match its hash")
    return plain.decode("utf-8")
