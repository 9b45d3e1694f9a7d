"""Passive reply XML (reference §2.5): the user is ToUserName, the account's original id FromUserName."""

from __future__ import annotations

import time

from . import xml as wxml
from .config import server_config
from .models import InboundMessage


def _envelope(inbound: InboundMessage, msg_type: str) -> dict:
    return {
        "ToUserName": inbound.openid,
        "FromUserName": server_config(inbound.appid).original_id,
        "CreateTime": int(time.time()),
        "MsgType": msg_type,
    }


def text(inbound: InboundMessage, content: str) -> str:
    return wxml.build(_envelope(inbound, "text") | {"Content": content})


def news(inbound: InboundMessage, articles: list[dict]) -> str:
    """Image-text reply: articles of {Title, Description, PicUrl, Url} (WeChat shows at most 8; we send 1)."""
    return wxml.build(_envelope(inbound, "news") | {"ArticleCount": len(articles), "Articles": articles})
