"""Tencent Cloud TMS ``TextModeration`` (Version 2020-12-29; reference §3.4, §3.5, checklist §3.6 item 5).

``POST /`` with the API 3.0 public headers. The TC3 signature is verified exactly over the received
bytes: a timestamp off by more than ``tms_skew_seconds`` is ``AuthFailure.SignatureExpire``; a credential
date that is not the timestamp's UTC date, a service other than ``tms``, unsigned ``content-type``/
``host`` or a wrong signature is ``AuthFailure.SignatureFailure``; an unknown SecretId
``AuthFailure.SecretIdNotFound``. Then ``X-TC-Action`` (``InvalidAction``), ``X-TC-Version``
(``NoSuchVersion``), Base64/UTF-8 and length of ``Content``. Errors use the API 3.0 envelope on HTTP 200.
Verdicts come from ``settings.tms_keywords``; every answer has a fresh ``RequestId``."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from wxsandbox.responses import dumps
from wxsandbox.security import settings as sec_settings
from wxsandbox.security import tc3

ACTION, VERSION, SERVICE = "TextModeration", "2020-12-29", "tms"
_DATA_ID = re.compile(r"[A-Za-z0-9_\-@#]{1,64}")
_RANK = {"Pass": 0, "Review": 1, "Block": 2}


class TcError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _answer(payload: dict[str, Any]) -> Response:
    # Exactly "application/json", as Tencent Cloud answers (its SDK only reads errors under that type).
    body = dumps({"Response": {**payload, "RequestId": str(uuid.uuid4())}})
    return Response(body, media_type="application/json")


def _verify(request: Request, body: bytes, conf: sec_settings.SecuritySettings, now: int) -> None:
    auth = tc3.parse(request.headers.get("authorization", ""))
    if auth is None:
        raise TcError("AuthFailure.InvalidAuthorization", "Authorization 头格式错误")
    if auth.secret_id != conf.tms_secret_id:
        raise TcError("AuthFailure.SecretIdNotFound", "SecretId 不存在")
    raw_ts = request.headers.get("x-tc-timestamp", "")
    if not raw_ts.isdigit():
        raise TcError("MissingParameter", "缺少 X-TC-Timestamp")
    timestamp = int(raw_ts)
    if abs(now - timestamp) > conf.tms_skew_seconds:
        raise TcError("AuthFailure.SignatureExpire", "签名过期：时间戳与服务器时间相差超过 5 分钟")
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    signed = auth.signed_headers
    if (
        auth.date != date
        or auth.service != SERVICE
        or not {"content-type", "host"} <= set(signed)
        or list(signed) != sorted(signed)
    ):
        raise TcError("AuthFailure.SignatureFailure", "签名校验失败")
    headers = {k.lower(): v for k, v in request.headers.items()}
    expected = tc3.signature(
        conf.tms_secret_key,
        method=request.method,
        query=request.url.query if request.method == "GET" else "",
        headers=headers,
        signed=signed,
        body=body,
        timestamp=timestamp,
        date=date,
        service=SERVICE,
    )
    if not tc3.matches(expected, auth.signature):
        raise TcError("AuthFailure.SignatureFailure", "签名校验失败")


def _content(data: dict[str, Any], limit: int) -> str:
    raw = data.get("Content")
    if raw is None:
        raise TcError("MissingParameter", "缺少参数 Content")
    if not isinstance(raw, str):
        raise TcError("InvalidParameterValue.ErrTextContentType", "Content 须为 Base64 字符串")
    try:
        text = base64.b64decode(raw, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise TcError("InvalidParameterValue.ErrTextContentType", "Content 不是 UTF-8 文本的 Base64") from exc
    if not text or len(text) > limit:
        raise TcError("InvalidParameterValue.ErrTextContentLen", f"文本长度须为 1–{limit} 字符")
    return text


def _hit_infos(text: str, word: str) -> list[dict[str, Any]]:
    positions, start = [], text.find(word)
    while start >= 0:
        positions.append({"Start": start, "End": start + len(word)})
        start = text.find(word, start + 1)
    return [{"Type": "keyword", "Keyword": word, "LibName": "", "Positions": positions}]


def moderate(text: str, keywords: dict[str, list]) -> dict[str, Any]:
    hits = [(word, s, label) for word, (s, label) in keywords.items() if word and word in text]
    details = [
        {
            "Label": label,
            "Suggestion": s,
            "Keywords": [word],
            "Score": 95 if s == "Block" else 70,
            "LibType": 1,
            "LibId": "",
            "LibName": "",
            "SubLabel": "",
            "Tags": [],
            "HitInfos": _hit_infos(text, word),
        }
        for word, s, label in hits
    ]
    worst = max(details, key=lambda d: _RANK[d["Suggestion"]], default=None)
    if worst is None or worst["Suggestion"] == "Pass":
        normal = {
            "Label": "Normal",
            "Suggestion": "Pass",
            "Keywords": [],
            "Score": 0,
            "LibType": 0,
            "LibId": "",
            "LibName": "",
            "SubLabel": "",
            "Tags": [],
            "HitInfos": [],
        }
        return {
            "Label": "Normal",
            "Suggestion": "Pass",
            "Keywords": [],
            "Score": 0,
            "DetailResults": details or [normal],
        }
    return {
        "Label": worst["Label"],
        "Suggestion": worst["Suggestion"],
        "Keywords": [d["Keywords"][0] for d in details if d["Suggestion"] == worst["Suggestion"]],
        "Score": worst["Score"],
        "DetailResults": details,
    }


async def text_moderation(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    conf = sec_settings.load(sandbox)
    body = await request.body()
    try:
        _verify(request, body, conf, sandbox.clock.timestamp())
        if request.headers.get("x-tc-action") != ACTION:
            raise TcError("InvalidAction", "接口不存在")
        if request.headers.get("x-tc-version") != VERSION:
            raise TcError("NoSuchVersion", "接口版本不存在")
        if not request.headers.get("x-tc-region"):
            raise TcError("MissingParameter", "缺少 X-TC-Region")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise TcError("InvalidParameter.ParameterError", "请求体不是合法 JSON") from exc
        if not isinstance(data, dict):
            raise TcError("InvalidParameter.ParameterError", "请求体须为 JSON 对象")
        text = _content(data, conf.tms_max_chars)
        biz_type = data.get("BizType") or "default"
        if biz_type not in conf.tms_biz_types:
            raise TcError("InvalidParameterValue.InvalidBizType", "BizType 不存在")
        data_id = data.get("DataId", "")
        if data_id and not (isinstance(data_id, str) and _DATA_ID.fullmatch(data_id)):
            raise TcError("InvalidParameter.ParameterError", "DataId 格式错误")
    except TcError as exc:
        return _answer({"Error": {"Code": exc.code, "Message": exc.message}})
    verdict = moderate(text, conf.tms_keywords)
    return _answer(
        {
            "BizType": biz_type,
            "DataId": data_id,
            "SubLabel": "",
            "RiskDetails": [],
            "Extra": "",
            "ContextText": "",
            "HitType": "",
            **verdict,
        }
    )
