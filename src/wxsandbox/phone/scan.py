"""What the phone's 扫一扫 makes of a scanned or pasted string.

WeChat's scanner recognises, in this order: a Native payment ``code_url`` (``weixin://wxpay/bizpayurl?pr=…``)
→ the payment sheet; an Official Account parametrised QR code (its ``https://weixin.qq.com/q/…`` URL, its
``showqrcode`` image URL or the bare ticket) → a subscribe/SCAN event; a Mini Program URL Link / Scheme /
Short Link → the page it opens; an H5 payment ``h5_url`` → the cashier; any other http(s) URL → the built-in
browser. Everything else is shown as plain text, as WeChat does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from wxsandbox.mp import links, qrcode
from wxsandbox.pay import payments

NATIVE_PREFIX = "weixin://wxpay/bizpayurl"
MAX_TEXT = 4096


def _order(sandbox: Any, ref: dict[str, str]) -> dict[str, Any] | None:
    try:
        order = payments.find_order(sandbox, ref)
    except payments.PaymentRefused:
        return None
    return payments.describe(sandbox, order) | {"ref": ref}


def classify(sandbox: Any, text: str) -> dict[str, Any]:
    """``{"kind": pay | qrcode | link | url | text | unknown_pay | unknown_qrcode, …}``."""
    text = text.strip()[:MAX_TEXT]
    if text.startswith(NATIVE_PREFIX):
        order = _order(sandbox, {"code_url": text})
        return {"kind": "pay", "order": order} if order else {"kind": "unknown_pay", "text": text}
    if text.startswith(qrcode.QR_URL_BASE):
        qr = qrcode.resolve(sandbox, url=text)
        return _qr(qr) if qr else {"kind": "unknown_qrcode", "text": text}
    link = links.resolve(sandbox, text)
    if link is not None:
        return {"kind": "link", "link": link}
    if text.startswith("https://wx.tenpay.com/"):
        order = _order(sandbox, {"h5_url": text})
        if order:
            return {"kind": "pay", "order": order}
    parts = urlsplit(text)
    if parts.path.endswith("/cgi-bin/showqrcode"):  # the image URL of a QR code: scanning it reads the code
        ticket = parse_qs(parts.query).get("ticket", [""])[0]
        qr = qrcode.resolve(sandbox, ticket=ticket) if ticket else None
        return _qr(qr) if qr else {"kind": "unknown_qrcode", "text": text}
    if parts.scheme in ("http", "https") and parts.netloc:
        return {"kind": "url", "url": text}
    qr = qrcode.resolve(sandbox, ticket=text) if text and " " not in text else None
    if qr is not None:
        return _qr(qr)
    return {"kind": "text", "text": text}


def _qr(qr: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "qrcode",
        "qrcode": {
            "appid": qr["appid"],
            "ticket": qr["ticket"],
            "action_name": qr["action_name"],
            "scene": qrcode.scene_value(qr),
        },
    }
