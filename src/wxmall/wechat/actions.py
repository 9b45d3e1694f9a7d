"""Queueing WeChat calls in the caller's transaction (see handlers.py for the destinations)."""

from __future__ import annotations

from typing import Any

from wxmall.core.models import OutboxMessage
from wxmall.core.outbox import enqueue


def queue_call(kind: str, body: dict[str, Any], *, key: str, app: str = "oa") -> OutboxMessage | None:
    """Write an outbox row for WeChat call `kind` (a key of handlers.CALLS), idempotent on `key`.
    Must run inside the business transaction, like every `enqueue`."""
    from wxmall.wechat.handlers import CALLS

    destination, _ = CALLS[kind]
    return enqueue(destination, kind, {"app": app, "body": body}, key=f"{destination}:{key}")


def queue_text(openid: str, content: str, *, key: str, app: str = "oa") -> OutboxMessage | None:
    """A customer-service text message (only within 48 h of the customer's last interaction)."""
    body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
    return queue_call("message.custom_send", body, key=key, app=app)
