"""Event pushes to the shop's message server (reference §9): safe-mode JSON, WeChat's retry schedule.

Every state change the reference lists an event for calls ``emit``: the event is recorded in
``store_events`` (the control API lists them with their deliveries) and, when the shop app has a
``server_url`` (or ``[store] server_urls`` names one for it, also at run time), queued as an outbound callback of kind ``store.push``:

  POST <server_url>?signature=…&timestamp=…&nonce=…&encrypt_type=aes&msg_signature=…
  {"ToUserName": "gh_…", "Encrypt": "<base64>"}

``Encrypt`` is the OA safe-mode cipher (``mp/msgcrypt.py``: AES-256-CBC, PKCS#7 to 32 bytes, random16 ‖
len ‖ JSON ‖ AppID) keyed by the shop app's ``encoding_aes_key``; ``msg_signature`` = sha1(sort(token,
timestamp, nonce, Encrypt)). ``message_mode = "plain"`` sends the JSON itself (the legacy variant). Success
is HTTP 200 with ``success`` or an empty body within ``push_timeout_seconds``; otherwise the identical
request is re-sent after each interval of ``push_retry_schedule`` (scaled by ``time_factor``). Nothing
deduplicates: fault rules on ``callback:store.push`` drop, duplicate, delay or reorder pushes, as WeChat's
at-least-once delivery may.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from wxsandbox.callbacks import CallbackKind
from wxsandbox.config import AppConfig
from wxsandbox.mp.msgcrypt import MsgCrypt, signature
from wxsandbox.store import settings as store_settings

KIND = "store.push"

SCHEMA = """
CREATE TABLE IF NOT EXISTS store_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    appid        TEXT NOT NULL,
    event        TEXT NOT NULL,
    business_id  TEXT NOT NULL,            -- order_id / product_id / after_sale_order_id / coupon_id
    message      TEXT NOT NULL,            -- the plaintext JSON pushed
    delivery_ids TEXT NOT NULL DEFAULT '[]',
    created_at   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS store_events_business ON store_events (business_id);
"""


def _is_success(status: int, body: bytes) -> bool:
    return status == 200 and body.strip() in (b"", b"success")


def register(sandbox: Any) -> None:
    """(Re-)register the callback kind with the current timeout and retry schedule."""
    settings = store_settings.load(sandbox)
    sandbox.callbacks.register(
        CallbackKind(
            name=KIND,
            schedule=settings.push_retry_schedule,
            timeout=settings.push_timeout_seconds,
            is_success=_is_success,
        )
    )


def original_id(sandbox: Any, app: AppConfig) -> str:
    configured = store_settings.load(sandbox).original_ids.get(app.appid)
    return configured or "gh_" + hashlib.sha1(app.appid.encode()).hexdigest()[:12]


def crypt_of(app: AppConfig) -> MsgCrypt:
    return MsgCrypt(app.token, app.encoding_aes_key, app.appid)


def target(sandbox: Any, app: AppConfig) -> AppConfig:
    """The app with its effective push URL (``[store] server_urls`` over the app's ``server_url``)."""
    url = store_settings.load(sandbox).server_urls.get(app.appid)
    return dataclasses.replace(app, server_url=url) if url is not None else app


def build_request(sandbox: Any, app: AppConfig, message: str, openid: str) -> tuple[str, bytes]:
    """The URL (with its signed query) and body WeChat sends for the plaintext JSON ``message``."""
    timestamp, nonce = str(sandbox.clock.timestamp()), str(secrets.randbelow(9 * 10**9) + 10**9)
    params = {"signature": signature(app.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    if store_settings.load(sandbox).push_openid_param:
        params["openid"] = openid
    if app.message_mode == "plain":
        body = message
    else:
        crypt = crypt_of(app)
        encrypt = crypt.encrypt(message)
        params |= {"encrypt_type": "aes", "msg_signature": crypt.sign(timestamp, nonce, encrypt)}
        body = json.dumps(
            {"ToUserName": original_id(sandbox, app), "Encrypt": encrypt},
            ensure_ascii=False,
            separators=(",", ":"),
        )
    separator = "&" if "?" in app.server_url else "?"
    return app.server_url + separator + urlencode(params), body.encode("utf-8")


def emit(
    sandbox: Any, app: AppConfig, event: str, business_id: str, payload: dict[str, Any], openid: str = ""
) -> list[int]:
    """Record and push one event; ``payload`` holds the event's body object(s) (e.g. ``order_info``)."""
    from_user = openid or store_settings.load(sandbox).platform_openid
    fields = {
        "ToUserName": original_id(sandbox, app),
        "FromUserName": from_user,
        "CreateTime": sandbox.clock.timestamp(),
        "MsgType": "event",
        "Event": event,
        **payload,
    }
    message = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    delivery_ids: list[int] = []
    app = target(sandbox, app)
    if app.server_url:
        url, body = build_request(sandbox, app, message, from_user)
        meta = {"appid": app.appid, "event": event, "business_id": business_id}
        delivery_ids = sandbox.callbacks.enqueue(KIND, url, body, meta)
    sandbox.state.execute(
        "INSERT INTO store_events (appid, event, business_id, message, delivery_ids, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (app.appid, event, business_id, message, json.dumps(delivery_ids), sandbox.clock.now()),
    )
    return delivery_ids


def events(
    sandbox: Any, *, appid: str, event: str | None = None, business_id: str | None = None, since_id: int = 0
) -> list[dict[str, Any]]:
    """Recorded events with the state of their deliveries (for ``GET /sandbox/store/events``)."""
    sql, params = "SELECT * FROM store_events WHERE appid = ? AND id > ?", [appid, since_id]
    if event:
        sql += " AND event GLOB ?"
        params.append(event)
    if business_id:
        sql += " AND business_id = ?"
        params.append(business_id)
    found = []
    for row in sandbox.state.query(sql + " ORDER BY id LIMIT 1000", params):
        ids = json.loads(row["delivery_ids"])
        deliveries = []
        for delivery_id in ids:
            delivery = sandbox.state.one(
                "SELECT id, status, attempts, last_status FROM callback_deliveries WHERE id = ?",
                (delivery_id,),
            )
            if delivery is not None:
                deliveries.append(dict(delivery))
        found.append(
            {
                "id": row["id"],
                "event": row["event"],
                "business_id": row["business_id"],
                "message": json.loads(row["message"]),
                "created_at": row["created_at"],
                "deliveries": deliveries,
            }
        )
    return found
