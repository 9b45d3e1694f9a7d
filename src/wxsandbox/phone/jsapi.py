"""What WeChat's client checks before it shows the JSAPI payment sheet (reference §1.9).

``WeixinJSBridge.invoke('getBrandWCPayRequest', params, cb)`` carries ``appId``, ``timeStamp`` (10-digit
seconds, a string), ``nonceStr`` (≤ 32 chars), ``package`` (``prepay_id=…``), ``signType`` (``RSA``) and
``paySign``: Base64 SHA256withRSA with the *merchant's* private key over
``appId\\ntimeStamp\\nnonceStr\\npackage\\n``. The client verifies it with the merchant's public key, so the
sandbox does the same against the merchant that owns the prepay_id, and refuses an ``appId`` other than the
one the order was placed with.
"""

from __future__ import annotations

from typing import Any

from wxsandbox.control import ControlError
from wxsandbox.pay import crypto, payments, signing
from wxsandbox.phone import settings as phone_settings

FIELDS = ("appId", "timeStamp", "nonceStr", "package", "signType", "paySign")
PACKAGE_PREFIX = "prepay_id="


def sign_pay_request(
    merchant_private_key_pem: str, app_id: str, prepay_id: str, timestamp: str, nonce: str
) -> dict[str, str]:
    """What a merchant's server hands its page (used by tests and demos; the hub has its own)."""
    package = PACKAGE_PREFIX + prepay_id
    return {
        "appId": app_id,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": crypto.rsa_sign(
            merchant_private_key_pem, signing.invocation_message(app_id, timestamp, nonce, package)
        ),
    }


def _fields(params: Any) -> dict[str, str]:
    if not isinstance(params, dict):
        raise ControlError("invalid_request", "支付参数必须是对象")
    missing = [name for name in FIELDS if not params.get(name)]
    if missing:
        raise ControlError("invalid_request", f"支付参数缺少 {missing[0]}")
    wrong = [name for name in FIELDS if not isinstance(params[name], str)]
    if wrong:  # §1.9: timeStamp is a string, and the signature is over exactly that string
        raise ControlError("invalid_request", f"支付参数 {wrong[0]} 必须是字符串")
    return {name: params[name] for name in FIELDS}


def verify(sandbox: Any, params: Any, page_url: str | None = None) -> dict[str, Any]:
    """Check a getBrandWCPayRequest from the page at ``page_url``; return the order as the sheet shows it.

    The checks WeChat's client makes on every cashier call (shape, paySign with the merchant's key, appId of
    the order, still payable) are ``pay.payments.verify_invocation``'s, with its error codes
    (``invalid_request``, ``not_found``, ``appid_mismatch``, ``invalid_signature``, ``not_payable``). The phone adds
    what only a web page calling the bridge has: ``url_not_registered`` (the page is outside the configured JSAPI
    payment directories, see ``settings.py``), string-typed fields, a ≤ 32-character nonceStr, and
    ``wrong_trade_type`` (a Native/H5/App order's prepay_id cannot be paid from a page).
    """
    if not phone_settings.page_may_pay(phone_settings.load(sandbox), page_url or ""):
        raise ControlError("url_not_registered", f"当前页面的URL未注册：{page_url or '（未知页面）'}", 403)
    p = _fields(params)
    if len(p["nonceStr"]) > 32:
        raise ControlError("invalid_request", "nonceStr 不能超过32个字符")
    try:
        sheet = payments.verify_invocation(sandbox, p)
    except payments.PaymentRefused as exc:
        message = "预支付交易单不存在" if exc.code == "not_found" else exc.message
        raise ControlError(exc.code, message, exc.status) from exc
    if sheet["trade_type"] != "JSAPI":
        raise ControlError("wrong_trade_type", "该订单不是 JSAPI 下单，不能在网页中调起支付", 409)
    return sheet
