"""Outbox destination `channels_store`: Store calls of the channels app (alliance publishing). Money
calls go to `channels_pay` (`settlement.deliver`). Retryable WeChat errors back off; others dead-letter."""

from __future__ import annotations

from typing import Any

from wxmall.core.outbox import DeliveryError, PermanentError
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WeChatError

from .actions import alliance


def deliver(message, config: dict[str, Any]) -> Any:
    if message.kind != alliance.PUBLISH:
        raise PermanentError(f"{message.destination} 不处理 {message.kind}")
    try:
        return alliance.deliver_publish(message.payload)
    except NotConfigured as exc:
        raise PermanentError("未配置微信小店") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentError(f"消息内容不完整：{type(exc).__name__}") from exc
    except WeChatError as exc:
        detail = f"errcode {exc.errcode}: {exc.errmsg}"[:500]
        if exc.retryable:
            raise DeliveryError(detail) from exc
        raise PermanentError(detail) from exc
