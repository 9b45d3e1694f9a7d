"""Errors every domain raises. Each domain app declares its codes in its own `errors.py` as an
`ErrorCode` enum whose member value is `(code_string, http_status, chinese_message)` and raises
`DomainError(ThatEnum.MEMBER)`. The API turns it into `{"code": ..., "message": ...}` with the status;
pages show the message.

The code string is the wire contract: it is written out explicitly (renaming a Python member never
changes what clients see) and is unique across the whole API (tests/core/test_error_codes.py)."""

from __future__ import annotations

import enum
import re
from typing import Any

_CODE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


class ErrorCode(enum.Enum):
    """Base for per-domain error enums. Member value: (code, HTTP status, default Chinese message).
    A malformed value fails at import, so a typo never reaches a client."""

    def __init__(self, code: str, status: int, message: str) -> None:
        if not (isinstance(code, str) and len(code) <= 64 and _CODE.fullmatch(code)):
            raise ValueError(f"{type(self).__name__}.{self.name}: code {code!r} is not snake_case")
        if not (isinstance(status, int) and 400 <= status <= 599):
            raise ValueError(f"{type(self).__name__}.{self.name}: status {status!r} is not 4xx/5xx")
        if not (isinstance(message, str) and message.strip()):
            raise ValueError(f"{type(self).__name__}.{self.name}: empty message")

    @property
    def code(self) -> str:
        return self.value[0]

    @property
    def status(self) -> int:
        return self.value[1]

    @property
    def message(self) -> str:
        return self.value[2]

    def body(self) -> dict[str, str]:
        """The wire envelope with the default message."""
        return {"code": self.code, "message": self.message}


def all_error_codes() -> list[ErrorCode]:
    """Every member of every ErrorCode subclass imported so far (import the errors modules first)."""
    members: list[ErrorCode] = []
    pending = list(ErrorCode.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        members.extend(cls)
    return members


class CommonError(ErrorCode):
    INVALID_REQUEST = ("invalid_request", 400, "请求格式不正确")
    MALFORMED_JSON = ("malformed_json", 400, "请求体不是合法的 JSON")
    NOT_AUTHENTICATED = ("not_authenticated", 401, "请先登录")
    PERMISSION_DENIED = ("permission_denied", 403, "没有权限执行此操作")
    CSRF_FAILED = ("csrf_failed", 403, "缺少或错误的 CSRF 令牌，请刷新页面后重试")
    NOT_FOUND = ("not_found", 404, "资源不存在")
    METHOD_NOT_ALLOWED = ("method_not_allowed", 405, "不支持该请求方法")
    CONFLICT = ("conflict", 409, "资源状态已变化，请刷新后重试")
    PAYLOAD_TOO_LARGE = ("payload_too_large", 413, "请求体过大")
    UNSUPPORTED_MEDIA_TYPE = (
        "unsupported_media_type",
        415,
        "请求体必须是 JSON（Content-Type: application/json）",
    )
    RATE_LIMITED = ("rate_limited", 429, "请求过于频繁，请稍后再试")
    INTERNAL_ERROR = ("internal_error", 500, "服务器内部错误，请稍后再试")


def common_error_for_status(status: int) -> CommonError:
    """The general code for an HTTP status produced outside the domains (routing, framework errors)."""
    for error in CommonError:  # declaration order: the general code comes first for each status
        if error.status == status:
            return error
    return CommonError.INTERNAL_ERROR if status >= 500 else CommonError.INVALID_REQUEST


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
    MESSAGE_NOT_FOUND = ("message_not_found", 404, "外发消息不存在")
    NOT_REPLAYABLE = ("not_replayable", 409, "只有死信或已丢弃的消息可以重放")
    NOT_DISCARDABLE = ("not_discardable", 409, "只有待投递或死信消息可以丢弃")
    DISCARD_REASON_REQUIRED = ("discard_reason_required", 400, "请填写丢弃原因")
