"""Pushes to the developer's message server (reference §2): URL verification, messages and events.

A push is an outbound callback of kind ``mp.oa_push`` (core ``callbacks.py``): WeChat waits 5 s, then
re-sends the *identical* request (same URL with signature/timestamp/nonce/openid, same body, so the same
MsgId or FromUserName+CreateTime) up to 3 more times. Fault rules on ``callback:mp.oa_push`` drop,
duplicate, delay or reorder pushes. The first 200 answer is read as the passive reply and recorded in the
user's conversation once (``push_key``); when every attempt fails the user gets WeChat's
"该公众号暂时无法提供服务，请稍后再试".

Mini Programs get the same pushes (customer-service messages, ``user_enter_tempsession``) in JSON by
default or XML (``[mp] push_format``); their server may only answer ``success`` or hand the session to
customer service (``transfer_customer_service``).

Modes: plain (XML body, ``signature``), safe (``<xml><ToUserName/><Encrypt/></xml>`` body, plus
``encrypt_type=aes`` and ``msg_signature``), compatible (plaintext elements and ``Encrypt`` together).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from wxsandbox.callbacks import CallbackKind
from wxsandbox.config import MINI_PROGRAM, AppConfig
from wxsandbox.mp import conversation, media, replies, xmlmsg
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.msgcrypt import MsgCrypt, signature

KIND = "mp.oa_push"
# Events after which the user is in the chat and sees a passive reply (not unsubscribe, VIEW, job reports).
REPLYABLE_EVENTS = frozenset({"subscribe", "SCAN", "CLICK", "scancode_waitmsg", "LOCATION"})


def original_id(sandbox: Any, app: AppConfig) -> str:
    """The account's original id (``gh_…``): from ``[mp] original_ids`` or derived from the AppID."""
    configured = mp_settings.load(sandbox).original_ids.get(app.appid)
    return configured or "gh_" + hashlib.sha1(app.appid.encode()).hexdigest()[:12]


def crypt_of(app: AppConfig) -> MsgCrypt:
    return MsgCrypt(app.token, app.encoding_aes_key, app.appid)


def register(sandbox: Any) -> None:
    """(Re-)register the push callback kind with the current timeout and retry settings."""
    settings = mp_settings.load(sandbox)
    sandbox.callbacks.register(
        CallbackKind(
            name=KIND,
            schedule=(settings.push_retry_interval_seconds,) * settings.push_retries,
            timeout=settings.push_timeout_seconds,
            is_success=lambda status, body: status == 200,
            on_result=lambda delivery, status, body: _on_result(sandbox, delivery, status, body),
        )
    )


@dataclass(frozen=True)
class Push:
    url: str
    body: bytes
    meta: dict[str, Any]


def push_format(sandbox: Any, app: AppConfig) -> str:
    """Official Accounts push XML only; a Mini Program chooses JSON (the default here) or XML."""
    if app.kind != MINI_PROGRAM:
        return "xml"
    return mp_settings.load(sandbox).push_format.get(app.appid, "json")


def serialize(fields: dict[str, Any], fmt: str) -> str:
    return (
        json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        if fmt == "json"
        else xmlmsg.build(fields)
    )


def build_push(sandbox: Any, app: AppConfig, user_id: str, fields: dict[str, Any], push_key: str) -> Push:
    """The exact request WeChat would send for ``fields`` (ToUserName/FromUserName/CreateTime included)."""
    settings = mp_settings.load(sandbox)
    openid = sandbox.users.openid(user_id, app.appid)
    fmt = push_format(sandbox, app)
    xml = serialize(fields, fmt)
    timestamp, nonce = str(sandbox.clock.timestamp()), str(secrets.randbelow(9 * 10**9) + 10**9)
    params = {"signature": signature(app.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    if settings.push_openid_param:
        params["openid"] = openid
    mode = app.message_mode
    if mode == "plain":
        body = xml
    else:
        crypt = crypt_of(app)
        encrypt = crypt.encrypt(xml)
        params |= {"encrypt_type": "aes", "msg_signature": crypt.sign(timestamp, nonce, encrypt)}
        envelope = (
            {"ToUserName": fields["ToUserName"], "Encrypt": encrypt}
            if mode == "safe"
            else {**fields, "Encrypt": encrypt}
        )
        body = serialize(envelope, fmt)
    separator = "&" if "?" in app.server_url else "?"
    meta = {
        "appid": app.appid,
        "user_id": user_id,
        "openid": openid,
        "mode": mode,
        "push_key": push_key,
        "format": fmt,
        "kind": app.kind,
        "msgtype": fields.get("MsgType"),
        "event": fields.get("Event", ""),
        "show_reply": app.kind != MINI_PROGRAM and _reply_reaches_user(fields),
    }
    return Push(app.server_url + separator + urlencode(params), body.encode("utf-8"), meta)


def _reply_reaches_user(fields: dict[str, Any]) -> bool:
    """Replies reach the user for messages and for events the user is looking at the chat for."""
    return fields.get("MsgType") != "event" or fields.get("Event") in REPLYABLE_EVENTS


def event_fields(sandbox: Any, app: AppConfig, user_id: str, event: str, **extra: Any) -> dict[str, Any]:
    return {
        "ToUserName": original_id(sandbox, app),
        "FromUserName": sandbox.users.openid(user_id, app.appid),
        "CreateTime": sandbox.clock.timestamp(),
        "MsgType": "event",
        "Event": event,
        **extra,
    }


def enqueue(
    sandbox: Any, app: AppConfig, user_id: str, fields: dict[str, Any], push_key: str, delay: float = 0.0
) -> list[int]:
    """Queue the push; [] when the account has no message server configured."""
    if not app.server_url:
        return []
    push = build_push(sandbox, app, user_id, fields, push_key)
    return sandbox.callbacks.enqueue(KIND, push.url, push.body, push.meta, delay=delay)


def _on_result(sandbox: Any, delivery: dict[str, Any], status: int | None, body: bytes) -> None:
    meta = delivery["meta"]
    app = sandbox.config.app(meta["appid"])
    if app is None:
        return
    settings = mp_settings.load(sandbox)
    last_attempt = delivery["attempts"] > settings.push_retries
    if status == 200 and meta.get("kind") == MINI_PROGRAM:
        reply = replies.interpret_mini_program(
            body, fmt=meta["format"], mode=meta["mode"], crypt=crypt_of(app)
        )
    elif status == 200:
        reply = _check_media(
            sandbox,
            app.appid,
            replies.interpret(body, mode=meta["mode"], crypt=crypt_of(app), openid=meta["openid"]),
        )
    elif last_attempt:
        reply = replies.Reply("error", error=f"消息服务器无有效响应（最后一次 HTTP {status or '超时'}）")
    else:
        return  # WeChat will retry
    record_reply(sandbox, meta, reply)


def _check_media(sandbox: Any, appid: str, reply: replies.Reply) -> replies.Reply:
    """Media in a passive reply must have been uploaded by this account (WeChat drops the reply otherwise)."""
    message = reply.message or {}
    for key in ("media_id", "thumb_media_id"):
        if message.get(key) and media.find(sandbox, appid, message[key]) is None:
            return replies.Reply("error", error=f"回复中的 {key} 无效（40007）")
    return reply


def record_reply(sandbox: Any, meta: dict[str, Any], reply: replies.Reply) -> None:
    """Put the outcome of a push into the conversation, once per push_key (retries/duplicates collapse)."""
    appid, user_id, key, shown = meta["appid"], meta["user_id"], meta["push_key"], meta["show_reply"]
    if reply.kind == "message":
        assert reply.message is not None
        conversation.add_message(
            sandbox,
            appid,
            user_id,
            direction="out",
            source="passive",
            msgtype=reply.message["msgtype"],
            body=reply.message,
            push_key=key,
            shown=shown,
        )
    elif reply.kind == "error":
        conversation.add_message(
            sandbox,
            appid,
            user_id,
            direction="out",
            source="system",
            msgtype="text",
            body={"content": conversation.SERVICE_UNAVAILABLE, "error": reply.error},
            push_key=key,
            shown=shown,
        )
    else:
        conversation.add_message(
            sandbox,
            appid,
            user_id,
            direction="out",
            source="passive",
            msgtype="none",
            body={},
            push_key=key,
            shown=False,
        )


async def outcome(sandbox: Any, delivery_ids: list[int], push_key: str) -> dict[str, Any]:
    """Wait for a push to finish and describe what the user saw (for the control API and phone UI)."""
    if not delivery_ids:
        return {"delivered": False, "status": "no_server", "attempts": 0, "reply": None, "error": ""}
    settings = mp_settings.load(sandbox)
    budget = (
        (settings.push_timeout_seconds + 0.5) * (settings.push_retries + 1)
        + settings.push_retry_interval_seconds * settings.push_retries * sandbox.callbacks.time_factor
        + 1.0
    )
    delivery = await sandbox.callbacks.wait(delivery_ids[0], timeout=budget)
    assert delivery is not None
    recorded = conversation.message_by_push_key(sandbox, push_key)
    result: dict[str, Any] = {
        "delivered": delivery["status"] == "delivered",
        "status": delivery["status"],
        "attempts": delivery["attempts"],
        "delivery_ids": delivery_ids,
        "reply": None,
        "error": "",
    }
    if recorded is not None:
        if recorded["source"] == "system":
            result["error"] = recorded["body"].get("error", "")
            result["shown_to_user"] = recorded["body"]["content"]
        elif recorded["msgtype"] != "none":
            result["reply"] = recorded["body"]
    return result


async def verify_url(sandbox: Any, app: AppConfig) -> dict[str, Any]:
    """WeChat's URL verification GET against the configured server (reference §2.1)."""
    if not app.server_url:
        return {"ok": False, "error": "该账号未配置消息服务器 URL"}
    settings = mp_settings.load(sandbox)
    timestamp = str(sandbox.clock.timestamp())
    nonce = str(secrets.randbelow(9 * 10**9) + 10**9)
    echostr = str(secrets.randbelow(9 * 10**18) + 10**18)
    params = {
        "signature": signature(app.token, timestamp, nonce),
        "echostr": echostr,
        "timestamp": timestamp,
        "nonce": nonce,
    }
    url = app.server_url + ("&" if "?" in app.server_url else "?") + urlencode(params)
    started = time.perf_counter()
    status, text, error = None, "", ""
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=settings.push_timeout_seconds) as client:
            answer = await client.get(url)
        status, text = answer.status_code, answer.text
    except httpx.TimeoutException:
        error = "timeout"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    ok = status == 200 and text == echostr
    if not error and not ok:
        error = f"HTTP {status}，返回内容与 echostr 不一致" if status == 200 else f"HTTP {status}"
    sandbox.journal.record(
        "out",
        url,
        kind="mp.url_verify",
        method="GET",
        status=status,
        duration_ms=(time.perf_counter() - started) * 1000,
        response=text,
        note="ok" if ok else error,
    )
    return {"ok": ok, "status": status, "echostr": echostr, "body": text[:200], "error": "" if ok else error}
