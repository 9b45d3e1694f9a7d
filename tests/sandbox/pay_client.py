"""A minimal signing Pay v3 client for the sandbox's own tests (the independent peer is wechatpayv3)."""

from __future__ import annotations

import json
import time

import httpx

from wxsandbox.pay import crypto, signing


class PayClient:
    def __init__(self, handle, merchant=None) -> None:
        self.handle = handle
        self.merchant = merchant or handle.config.merchants[0]
        self.http = handle.client

    def request(
        self,
        method: str,
        url: str,
        body: dict | str | bytes | None = None,
        *,
        timestamp=None,
        nonce=None,
        mchid=None,
        serial=None,
        key=None,
        headers=None,
        sign_body=None,
    ) -> httpx.Response:
        raw = (
            body
            if isinstance(body, bytes)
            else (
                body.encode()
                if isinstance(body, str)
                else (json.dumps(body, ensure_ascii=False).encode() if body is not None else b"")
            )
        )
        ts = timestamp if timestamp is not None else int(time.time())  # clients sign with their real clock
        auth = signing.build_authorization(
            mchid or self.merchant.mchid,
            serial or self.merchant.merchant_serial,
            key or self.merchant.merchant_private_key_pem,
            method,
            url,
            sign_body if sign_body is not None else raw.decode("utf-8", "replace"),
            ts,
            nonce,
        )
        all_headers = {
            "Authorization": auth,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        all_headers.update(headers or {})
        return self.http.request(method, url, content=raw, headers=all_headers)

    def verify(self, response: httpx.Response, now: float | None = None) -> bool:
        """Verify the response signature with the anchor its Wechatpay-Serial names."""
        h = response.headers
        serial = h["Wechatpay-Serial"]
        m = self.merchant
        pem = m.platform_public_key_pem if serial == m.platform_public_key_id else m.platform_cert_pem
        if serial not in (m.platform_public_key_id, m.platform_cert_serial):
            return False
        if abs((now or time.time()) - int(h["Wechatpay-Timestamp"])) >= 300:
            return False
        message = signing.response_message(h["Wechatpay-Timestamp"], h["Wechatpay-Nonce"], response.content)
        return crypto.rsa_verify(pem, message, h["Wechatpay-Signature"])

    def order_body(
        self, out_trade_no: str, total: int = 100, notify_url: str = "http://127.0.0.1:9/pay/notify", **extra
    ) -> dict:
        """A valid prepay body for the first app (any keyword replaces or adds a field)."""
        return {
            "appid": self.handle.config.apps[0].appid,
            "mchid": self.merchant.mchid,
            "description": "测试商品",
            "out_trade_no": out_trade_no,
            "notify_url": notify_url,
            "amount": {"total": total, "currency": "CNY"},
            **extra,
        }

    def native(self, out_trade_no: str, total: int = 100, **extra) -> httpx.Response:
        """A Native prepay; request options (timestamp, nonce, mchid, serial, key, headers) sign differently,
        any other keyword goes into the body."""
        options = {
            k: extra.pop(k) for k in ("timestamp", "nonce", "mchid", "serial", "key", "headers") if k in extra
        }
        body = self.order_body(out_trade_no, total, **extra)
        return self.request("POST", "/v3/pay/transactions/native", body, **options)

    def orders_count(self) -> int:
        return self.handle.sandbox.state.scalar("SELECT COUNT(*) FROM pay_orders")
