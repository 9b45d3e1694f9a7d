"""Test factories for payments: the hub configured as wxsandbox's merchant, and WeChat-signed, encrypted
notifications built with wxsandbox's own signer (so tests and the benchmark post exactly what WeChat Pay
would, and can tamper with one part at a time)."""

from __future__ import annotations

import json
import time
from typing import Any

from wxsandbox.pay import notify, signing


def pay_settings(merchant, appid: str, mp_appid: str = "", **extra: Any) -> dict[str, Any]:
    """`settings.WECHAT_PAY` for wxsandbox's merchant, in its configured trust mode(s)."""
    raw: dict[str, Any] = {
        "mchid": merchant.mchid,
        "appid": appid,
        "mp_appid": mp_appid,
        "apiv3_key": merchant.apiv3_key,
        "merchant_serial": merchant.merchant_serial,
        "merchant_private_key": merchant.merchant_private_key_pem,
    }
    if merchant.platform_mode in ("public_key", "migrating"):
        raw |= {
            "public_key_id": merchant.platform_public_key_id,
            "public_key": merchant.platform_public_key_pem,
        }
    if merchant.platform_mode in ("certificate", "migrating"):
        raw["platform_certs"] = [merchant.platform_cert_pem]
    return raw | extra


def transaction_resource(payment, **changes: Any) -> dict[str, Any]:
    """A TRANSACTION.SUCCESS resource for one of our attempts, as WeChat would report it."""
    resource = {
        "mchid": payment.mchid,
        "appid": payment.appid,
        "out_trade_no": payment.out_trade_no,
        "transaction_id": "4200000000" + str(payment.pk).zfill(18)[-18:],
        "trade_type": "NATIVE",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": "2026-12-01T20:00:00+08:00",
        "payer": {"openid": "o-test-payer"},
        "amount": {
            "total": payment.amount,
            "payer_total": payment.amount,
            "currency": "CNY",
            "payer_currency": "CNY",
        },
    }
    return resource | changes


def signed_notification(
    sandbox,
    merchant,
    resource: dict[str, Any],
    *,
    event_type: str = "TRANSACTION.SUCCESS",
    anchor: str = "public_key",
    timestamp: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """(body, Django META headers) of a notification signed like WeChat Pay's (`anchor`: public_key or
    certificate)."""
    original = "refund" if event_type.startswith("REFUND.") else "transaction"
    body = notify.envelope(sandbox, merchant, event_type, "支付成功", original, resource)
    key = signing.anchors(merchant)[anchor]
    headers = signing.signed_headers(key, body, timestamp or int(time.time()))
    return body, meta(headers)


def meta(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


def notify_id(body: bytes) -> str:
    return json.loads(body)["id"]
