"""Base of every service: a thin, typed wrapper over `WeChatClient.request` for one API family."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wxmall.wechat._client import WeChatClient


class Service:
    def __init__(self, client: WeChatClient) -> None:
        self._client = client


@dataclass(frozen=True)
class BinaryAnswer:
    """A file WeChat answered instead of JSON (`WeChatClient.post_binary`)."""

    content: bytes
    content_type: str  # e.g. "image/jpeg", without parameters
