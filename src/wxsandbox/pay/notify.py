"""Payment and refund notifications (reference §1.11, §1.12).

The envelope is built once (its ``id`` stays the same across retries unless configured otherwise) and the
``resource`` is the Transaction / refund object encrypted with the APIv3 key. Every attempt is signed anew
(fresh timestamp and nonce) with the merchant's default anchor, and delivered by the core dispatcher with
WeChat's retry schedule; HTTP 200/204 is success whatever the body.
"""

from __future__ import annotations

import base64
import json
import random
import secrets
import uuid
from typing import Any

from wxsandbox.callbacks import CallbackKind
from wxsandbox.pay import crypto, signing
from wxsandbox.responses import dumps

KIND = "pay.notify"
PROBE_KIND = "pay.notify.signtest"


def envelope(
    sandbox, merchant, event_type: str, summary: str, original_type: str, resource: dict[str, Any]
) -> bytes:
    nonce = crypto.nonce(12)
    plaintext = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    return dumps(
        {
            "id": str(uuid.uuid4()),
            "create_time": sandbox.clock.rfc3339(),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": crypto.aes_gcm_encrypt(merchant.apiv3_key, nonce, original_type, plaintext),
                "associated_data": original_type,
                "nonce": nonce,
            },
        }
    )


def send(
    sandbox,
    merchant,
    url: str,
    event_type: str,
    summary: str,
    original_type: str,
    resource: dict[str, Any],
    delay: float = 0.0,
) -> list[int]:
    """Queue a notification; returns the delivery ids. The meta names the order/refund for lookups.

    With ``pay.signtest_probes`` a signature probe goes first: the same envelope with a
    ``WECHATPAY/SIGNTEST/…`` signature, which the merchant must refuse (its delivery counts as
    ``delivered`` when the merchant answers 4xx/5xx, ``failed`` when it wrongly accepts it).
    """
    body = envelope(sandbox, merchant, event_type, summary, original_type, resource)
    meta = {
        "mchid": merchant.mchid,
        "event_type": event_type,
        "out_trade_no": resource.get("out_trade_no", ""),
        "out_refund_no": resource.get("out_refund_no", ""),
    }
    after = None
    if sandbox.config.pay.signtest_probes:
        after = sandbox.callbacks.enqueue(PROBE_KIND, url, body, meta | {"probe": True}, delay=delay)[0]
    return sandbox.callbacks.enqueue(KIND, url, body, meta, delay=delay, after=after)


def register(sandbox) -> None:
    settings = sandbox.config.pay

    def prepare(delivery: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        merchant = sandbox.config.merchant(delivery["meta"]["mchid"])
        body = delivery["body"]
        if not settings.notify_id_stable_across_retries and delivery["attempts"]:
            data = json.loads(body)
            data["id"] = str(uuid.uuid4())
            body = dumps(data)
        # Seeded by (sandbox seed, delivery, attempt): a migrating merchant's run replays identically.
        draw = random.Random(f"{sandbox.config.seed}:{delivery['id']}:{delivery['attempts']}").random()
        anchor = signing.notification_anchor(merchant, draw)
        headers = signing.signed_headers(anchor, body, sandbox.clock.wall_timestamp())
        headers["Content-Type"] = "application/json"
        headers["User-Agent"] = "Mozilla/4.0 (wxsandbox)"
        return headers, body

    def prepare_probe(delivery: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        headers, body = prepare(delivery)
        headers["Wechatpay-Signature"] = (
            "WECHATPAY/SIGNTEST/" + base64.b64encode(secrets.token_bytes(256)).decode()
        )
        return headers, body

    sandbox.callbacks.register(
        CallbackKind(
            name=KIND,
            schedule=tuple(settings.retry_schedule),
            timeout=settings.notify_timeout_seconds,
            prepare=prepare,
        )
    )
    sandbox.callbacks.register(
        CallbackKind(
            name=PROBE_KIND,
            schedule=(),
            timeout=settings.notify_timeout_seconds,
            prepare=prepare_probe,
            is_success=lambda status, body: status >= 400,
        )
    )
