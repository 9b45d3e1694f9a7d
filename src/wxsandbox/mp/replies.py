"""Passive replies: what a developer's message server answered to a push, as WeChat reads it (§2.5).

``success`` or an empty body means "no reply". Otherwise the body must be a ``<xml>`` reply — encrypted
(``Encrypt`` + ``MsgSignature`` + ``TimeStamp`` + ``Nonce``) in safe mode, either way in compatible mode,
plain in plain mode — addressed to the user's openid, of a known ``MsgType`` with its required elements.
Anything else is an error, which WeChat shows the user as "该公众号暂时无法提供服务，请稍后再试".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from wxsandbox.mp import xmlmsg
from wxsandbox.mp.msgcrypt import MsgCrypt, MsgCryptError

MAX_NEWS_ARTICLES = 8


@dataclass(frozen=True)
class Reply:
    kind: str  # none | message | error
    message: dict[str, Any] | None = None
    error: str = ""


def _text(fields: dict, key: str) -> str:
    value = fields.get(key, "")
    return value if isinstance(value, str) else ""


def _media(fields: dict, element: str) -> dict[str, Any]:
    node = fields.get(element)
    if not isinstance(node, dict) or not _text(node, "MediaId"):
        raise ValueError(f"{element}.MediaId 缺失")
    return node


def _message(fields: dict[str, Any]) -> dict[str, Any]:
    msgtype = _text(fields, "MsgType")
    if msgtype == "text":
        if "Content" not in fields:
            raise ValueError("text 回复缺少 Content")
        return {"msgtype": "text", "content": _text(fields, "Content")}
    if msgtype in ("image", "voice"):
        node = _media(fields, msgtype.capitalize())
        return {"msgtype": msgtype, "media_id": node["MediaId"]}
    if msgtype == "video":
        node = _media(fields, "Video")
        return {
            "msgtype": "video",
            "media_id": node["MediaId"],
            "title": _text(node, "Title"),
            "description": _text(node, "Description"),
        }
    if msgtype == "music":
        node = fields.get("Music")
        if not isinstance(node, dict):
            raise ValueError("music 回复缺少 Music")
        return {
            "msgtype": "music",
            "title": _text(node, "Title"),
            "description": _text(node, "Description"),
            "music_url": _text(node, "MusicUrl"),
            "hq_music_url": _text(node, "HQMusicUrl"),
            "thumb_media_id": _text(node, "ThumbMediaId"),
        }
    if msgtype == "news":
        articles = [a for a in xmlmsg.items(fields.get("Articles")) if isinstance(a, dict)]
        declared = _text(fields, "ArticleCount")
        if not articles or not declared.isdigit() or int(declared) != len(articles):
            raise ValueError("news 回复的 ArticleCount 与 Articles 不一致")
        if len(articles) > MAX_NEWS_ARTICLES:
            raise ValueError(f"news 回复最多 {MAX_NEWS_ARTICLES} 条图文")
        return {
            "msgtype": "news",
            "articles": [
                {
                    "title": _text(a, "Title"),
                    "description": _text(a, "Description"),
                    "pic_url": _text(a, "PicUrl"),
                    "url": _text(a, "Url"),
                }
                for a in articles
            ],
        }
    if msgtype == "transfer_customer_service":
        return {"msgtype": "transfer_customer_service"}
    raise ValueError(f"未知的回复类型 MsgType={msgtype!r}")


def interpret(body: bytes, *, mode: str, crypt: MsgCrypt, openid: str) -> Reply:
    """Read a message server's answer to a push sent in ``mode`` (plain | compatible | safe)."""
    text = body.decode("utf-8", "replace").strip()
    if text in ("", "success"):
        return Reply("none")
    try:
        fields = xmlmsg.parse(body)
    except xmlmsg.XmlError as exc:
        return Reply("error", error=f"回复不是合法的 XML：{exc}")
    if "Encrypt" in fields:
        if mode == "plain":
            return Reply("error", error="明文模式下收到了加密回复")
        try:
            plain = crypt.verify_and_decrypt(
                _text(fields, "MsgSignature") or None,
                _text(fields, "TimeStamp"),
                _text(fields, "Nonce"),
                _text(fields, "Encrypt"),
            )
            fields = xmlmsg.parse(plain)
        except MsgCryptError as exc:
            return Reply("error", error=f"加密回复校验失败（{exc.code}）：{exc.reason}")
        except xmlmsg.XmlError as exc:
            return Reply("error", error=f"解密后的回复不是合法的 XML：{exc}")
    elif mode == "safe":
        return Reply("error", error="安全模式下回复必须加密")
    if _text(fields, "ToUserName") != openid:
        return Reply("error", error="回复的 ToUserName 不是该用户的 openid")
    try:
        return Reply("message", message=_message(fields))
    except ValueError as exc:
        return Reply("error", error=str(exc))


def _json_fields(body: bytes) -> dict[str, Any]:
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


def interpret_mini_program(body: bytes, *, fmt: str, mode: str, crypt: MsgCrypt) -> Reply:
    """A Mini Program server's answer to a customer-service push: ``success`` or ``transfer_customer_service``."""
    text = body.decode("utf-8", "replace").strip()
    if text in ("", "success"):
        return Reply("none")
    parse = _json_fields if fmt == "json" else xmlmsg.parse
    try:
        fields = parse(body)
        if "Encrypt" in fields and mode != "plain":
            fields = parse(
                crypt.verify_and_decrypt(
                    str(fields.get("MsgSignature", "")) or None,
                    str(fields.get("TimeStamp", "")),
                    str(fields.get("Nonce", "")),
                    str(fields["Encrypt"]),
                ).encode()
            )
    except MsgCryptError as exc:
        return Reply("error", error=f"加密回复校验失败（{exc.code}）：{exc.reason}")
    except (ValueError, xmlmsg.XmlError) as exc:
        return Reply("error", error=f"回复无法解析：{exc}")
    if fields.get("MsgType") == "transfer_customer_service":
        return Reply("message", message={"msgtype": "transfer_customer_service"})
    return Reply("error", error="小程序消息推送只能回复 success 或 transfer_customer_service")
