"""Response helpers shared by the surfaces: WeChat's two error dialects and fast compact JSON.

* Official Account / Mini Program APIs answer HTTP 200 with ``{"errcode": 40013, "errmsg": "invalid appid rid: …"}``.
* WeChat Pay v3 answers ``{"code": "PARAM_ERROR", "message": "…", "detail": {…}}`` with a real HTTP status.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from starlette.responses import Response

# errmsg texts WeChat uses for the errcodes the sandbox can emit on its own (fault injection etc.).
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40125: "invalid appsecret",
    41001: "access_token missing",
    42001: "access_token expired",
    44002: "empty post data",
    45002: "content size out of limit",
    45009: "reach max api daily quota limit",
    47001: "data format error",
}

# Default HTTP status of Pay v3 error codes (reference §1.7).
PAY_STATUS = {
    "PARAM_ERROR": 400,
    "INVALID_REQUEST": 400,
    "ORDER_CLOSED": 400,
    "APPID_MCHID_NOT_MATCH": 400,
    "MCH_NOT_EXISTS": 400,
    "ORDERPAID": 400,
    "SIGN_ERROR": 401,
    "NO_AUTH": 403,
    "TRADE_ERROR": 403,
    "RULELIMIT": 403,
    "OUT_TRADE_NO_USED": 403,
    "NOTENOUGH": 403,
    "NOT_ENOUGH": 403,
    "USER_ACCOUNT_ABNORMAL": 403,
    "ORDER_NOT_EXIST": 404,
    "ORDERNOTEXIST": 404,
    "RESOURCE_NOT_EXISTS": 404,
    "NOT_FOUND": 404,
    "RATELIMIT_EXCEEDED": 429,
    "RATE_LIMITED": 429,
    "FREQUENCY_LIMITED": 429,
    "SYSTEM_ERROR": 500,
    "SYSTEMERROR": 500,
    "OPENID_MISMATCH": 500,
    "SERVICE_UNAVAILABLE": 503,
}
PAY_MESSAGE = {
    "SYSTEM_ERROR": "系统繁忙，请稍后重试",
    "SYSTEMERROR": "系统繁忙，请稍后重试",
    "SERVICE_UNAVAILABLE": "服务不可用，请稍后重试",
    "RATELIMIT_EXCEEDED": "请求频率超过限制",
    "FREQUENCY_LIMITED": "请求频率超过限制",
    "RATE_LIMITED": "请求频率超过限制",
    "SIGN_ERROR": "签名错误，请检查后再试",
    "PARAM_ERROR": "参数错误",
    "INVALID_REQUEST": "请求不合法",
    "NO_AUTH": "商户无权限",
}


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        dumps(data), status_code=status, headers=headers, media_type="application/json; charset=utf-8"
    )


def rid() -> str:
    """A WeChat-style request id for errmsg suffixes: ``65a1b2c3-1f2e3d4c-5b6a7980``."""
    return f"{int(time.time()):x}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"


def wechat_error(errcode: int, errmsg: str | None = None) -> Response:
    """``{"errcode": n, "errmsg": "… rid: …"}`` with HTTP 200, as the OA/MP APIs answer."""
    text = errmsg or ERRMSG.get(errcode, "system error")
    return json_response({"errcode": errcode, "errmsg": f"{text} rid: {rid()}"})


def pay_error(
    code: str,
    message: str | None = None,
    status: int | None = None,
    detail: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A Pay v3 error body with its HTTP status (table in reference §1.7)."""
    body: dict[str, Any] = {"code": code, "message": message or PAY_MESSAGE.get(code, code)}
    if detail is not None:
        body["detail"] = detail
    return json_response(body, status or PAY_STATUS.get(code, 400), headers=headers)


def control_error(error: str, message: str, status: int = 400) -> Response:
    """Errors of the sandbox's own control API (``/sandbox/…``)."""
    return json_response({"error": error, "message": message}, status)
