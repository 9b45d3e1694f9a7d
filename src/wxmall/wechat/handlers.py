"""Outbox delivery to WeChat, one destination per API family, so the circuit breaker isolates one family's
outage (a broken menu API never holds back customer-service messages):

    wechat_message   message.custom_send, message.template_send, message.subscribe_send
    wechat_menu      menu.create, menu.delete

A row's payload is `{"app": "oa" | "mp" | "store", "body": {...}}` (the request body WeChat documents);
`actions.queue_call` writes one. The handler calls the client and maps its exceptions onto the relay's:
retryable, quota and token errors are `DeliveryError` (the relay backs off), everything else is
`PermanentError` (dead letter at once, for the console). Template messages carry WeChat's own
idempotency key (`client_msg_id`) taken from the row's key, so a redelivery after a lost answer is not
sent twice; WeChat's msgid is stored on the row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wxmall.core.outbox import DeliveryError, PermanentError
from wxmall.wechat import client
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WeChatError


def _custom_send(wx, body: dict, key: str) -> None:
    wx.message.send_custom(body)


def _template_send(wx, body: dict, key: str) -> dict:
    return {"msgid": wx.message.send_template({"client_msg_id": key[-64:], **body})}


def _subscribe_send(wx, body: dict, key: str) -> dict:
    return {"msgid": wx.message.send_subscribe(body)}


def _menu_create(wx, body: dict, key: str) -> None:
    wx.menu.create(body)


def _menu_delete(wx, body: dict, key: str) -> None:
    wx.menu.delete()


# kind → (destination, call)
CALLS: dict[str, tuple[str, Callable[[Any, dict, str], Any]]] = {
    "message.custom_send": ("wechat_message", _custom_send),
    "message.template_send": ("wechat_message", _template_send),
    "message.subscribe_send": ("wechat_message", _subscribe_send),
    "menu.create": ("wechat_menu", _menu_create),
    "menu.delete": ("wechat_menu", _menu_delete),
}


def deliver(message, config: dict[str, Any]) -> Any:
    destination, call = CALLS.get(message.kind, ("", None))
    if call is None or destination != message.destination:
        raise PermanentError(f"{message.destination} 不处理 {message.kind}")
    payload = message.payload
    try:
        wx = client(payload["app"])
        return call(wx, payload.get("body") or {}, message.idempotency_key)
    except NotConfigured as exc:
        raise PermanentError(f"未配置微信应用 {payload.get('app')}") from exc
    except WeChatError as exc:
        detail = f"errcode {exc.errcode}: {exc.errmsg}"[:500]
        if exc.retryable:
            raise DeliveryError(detail) from exc
        raise PermanentError(detail) from exc
