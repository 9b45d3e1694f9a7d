"""Errors every domain raises. Each domain app declares its codes in its own `errors.py` as an enum of
(code, HTTP status, Chinese message) and raises `DomainError(ThatEnum.MEMBER)`. The API turns it into
`{"code": ..., "message": ...}` with the status; pages show the message."""

from __future__ import annotations

import enum
from typing import Any


class ErrorCode(enum.Enum):
    """Base for per-domain error enums. Member value: (http_status, default Chinese message)."""

    @property
    def code(self) -> str:
        return self.name.lower()

    @property
    def status(self) -> int:
        return self.value[0]

    @property
    def message(self) -> str:
        return self.value[1]


class CommonError(ErrorCode):
    INVALID_REQUEST = (400, "请求格式不正确")
    MALFORMED_JSON = (400, "请求体不是合法的 JSON")
    NOT_AUTHENTICATED = (401, "请先登录")
    PERMISSION_DENIED = (403, "没有权限执行此操作")
    NOT_FOUND = (404, "资源不存在")
    CONFLICT = (409, "资源状态已变化，请刷新后重试")
    RATE_LIMITED = (429, "请求过于频繁，请稍后再试")


class DomainError(Exception):
    """A refused business operation. Raised inside a transaction, it rolls back everything written."""

    def __init__(self, error: ErrorCode, message: str | None = None, **details: Any) -> None:
        self.error = error
        self.message = message or error.message
        self.details = details
        super().__init__(f"{error.code}: {self.message}")

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def status(self) -> int:
        return self.error.status

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class OutboxError(ErrorCode):
    MESSAGE_NOT_FOUND = (404, "外发消息不存在")
    NOT_REPLAYABLE = (409, "只有死信或已丢弃的消息可以重放")
    NOT_DISCARDABLE = (409, "只有待投递或死信消息可以丢弃")
    DISCARD_REASON_REQUIRED = (400, "请填写丢弃原因")
