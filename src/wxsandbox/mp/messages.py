"""Messages an account sends on its own (reference §4.2–4.4).

* ``POST /cgi-bin/message/custom/send`` — customer-service message, only inside a window opened by a user
  action (the per-action table in ``cs_windows``: 45015 with none open or after unfollowing, 45047 when the
  open ones are used up).
* ``POST /cgi-bin/message/template/send`` — template message to a follower (43004 otherwise), daily quota
  (45009), ``client_msg_id`` idempotency, then a ``TEMPLATESENDJOBFINISH`` event pushed to the server.
* ``POST /cgi-bin/message/subscribe/send`` — Mini Program subscribe message, one per granted subscription
  (43101 without one); grants come from ``POST /sandbox/mp/subscriptions`` (the user tapping 允许).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import MINI_PROGRAM, OFFICIAL_ACCOUNT
from wxsandbox.mp import conversation, cs_windows, media, oa_push, templates
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import Caller, caller, json_body, ok, take_quota, wx_endpoint

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_template_messages (
    msgid         INTEGER PRIMARY KEY AUTOINCREMENT,
    appid         TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    template_id   TEXT NOT NULL,
    client_msg_id TEXT,
    body          TEXT NOT NULL,
    created_at    REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS mp_template_client_id ON mp_template_messages (appid, client_msg_id);
CREATE TABLE IF NOT EXISTS mp_subscriptions (
    appid        TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    template_id  TEXT NOT NULL,
    remaining    INTEGER NOT NULL DEFAULT 0,   -- one-time subscriptions: one message per grant
    PRIMARY KEY (appid, user_id, template_id)
);
CREATE TABLE IF NOT EXISTS mp_typing (
    appid    TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    typing   INTEGER NOT NULL,
    at       REAL NOT NULL,
    PRIMARY KEY (appid, user_id)
);
CREATE TABLE IF NOT EXISTS mp_subscribe_messages (
    msgid        INTEGER PRIMARY KEY AUTOINCREMENT,
    appid        TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    template_id  TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   REAL NOT NULL
);
"""

# First ids look like WeChat's (9+ digits); sqlite_sequence rows are created on first use.
TEMPLATE_MSGID_BASE = 200_228_332
SUBSCRIBE_MSGID_BASE = 294_402_298_110_051_942

CUSTOM_PAYLOADS: dict[str, tuple[str, ...]] = {
    "text": ("content",),
    "image": ("media_id",),
    "voice": ("media_id",),
    "video": ("media_id",),
    "music": ("musicurl", "hqmusicurl", "thumb_media_id"),
    "news": ("articles",),
    "mpnews": ("media_id",),
    "mpnewsarticle": ("article_id",),
    "msgmenu": ("list",),
    "wxcard": ("card_id",),
    "miniprogrampage": ("title", "pagepath", "thumb_media_id"),
}
MP_STATES = ("developer", "trial", "formal")
TYPING_SECONDS = 15
MP_LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")


def _recipient(sandbox: Any, who: Caller, data: dict[str, Any]) -> tuple[str, str]:
    openid = data.get("touser")
    if not isinstance(openid, str) or not openid:
        raise WxError(40003)
    user = sandbox.users.by_openid(who.appid, openid)
    if user is None:
        raise WxError(40003)
    return openid, user["id"]


def _template_data(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or not data:
        raise WxError(47003, "data")
    for key, item in data.items():
        if not isinstance(item, dict) or not isinstance(item.get("value"), str | int | float):
            raise WxError(47003, f"data.{key}.value")
    return data


def _seed_sequence(sandbox: Any, table: str, base: int) -> None:
    sandbox.state.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS"
        " (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
        (table, base, table),
    )


@wx_endpoint
async def custom_send(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox)
    data = await json_body(request)
    settings = mp_settings.load(sandbox)
    openid, user_id = _recipient(sandbox, who, data)
    msgtype = data.get("msgtype")
    if msgtype not in CUSTOM_PAYLOADS:
        raise WxError(40008)
    payload = data.get(msgtype)
    if not isinstance(payload, dict) or any(not payload.get(f) for f in CUSTOM_PAYLOADS[msgtype]):
        raise WxError(47003, f"{msgtype} payload")
    if msgtype == "text" and len(str(payload["content"]).encode()) > settings.custom_max_text_bytes:
        raise WxError(45002)
    if msgtype == "news" and (not isinstance(payload["articles"], list) or len(payload["articles"]) != 1):
        raise WxError(47003, "news.articles")
    if msgtype in media.MESSAGE_MEDIA:
        media.require(sandbox, who.appid, payload["media_id"], media.MESSAGE_MEDIA[msgtype])
    if payload.get("thumb_media_id"):
        media.require(sandbox, who.appid, payload["thumb_media_id"])
    with sandbox.state.transaction():
        fan = conversation.follower(sandbox, who.appid, user_id)
        if who.app.kind == OFFICIAL_ACCOUNT and not (fan and fan["subscribed"]):
            raise WxError(45015)
        cs_windows.spend(sandbox, who.appid, user_id)  # 45015 no window open / 45047 all used up
        take_quota(sandbox, who.appid, "custom.send", settings.quota("custom.send"))
        sandbox.state.execute(
            "UPDATE mp_typing SET typing = 0 WHERE appid = ? AND user_id = ?", (who.appid, user_id)
        )
        conversation.add_message(
            sandbox,
            who.appid,
            user_id,
            direction="out",
            source="custom",
            msgtype=msgtype,
            body={
                "msgtype": msgtype,
                **payload,
                "kf_account": (data.get("customservice") or {}).get("kf_account", ""),
            },
        )
    return ok()


@wx_endpoint
async def custom_typing(request: Request, sandbox: Any) -> Any:
    """``POST /cgi-bin/message/custom/typing {"touser", "command": "Typing"|"CancelTyping"}`` (48 h window)."""
    who = caller(request, sandbox)
    data = await json_body(request)
    _, user_id = _recipient(sandbox, who, data)
    if data.get("command") not in ("Typing", "CancelTyping"):
        raise WxError(40097, "command")
    fan = conversation.follower(sandbox, who.appid, user_id)
    window = mp_settings.load(sandbox).custom_window_seconds
    if (
        fan is None
        or fan["last_interaction"] is None
        or sandbox.clock.now() - fan["last_interaction"] > window
    ):
        raise WxError(45015)
    sandbox.state.execute(
        "INSERT INTO mp_typing (appid, user_id, typing, at) VALUES (?, ?, ?, ?) ON CONFLICT (appid, user_id)"
        " DO UPDATE SET typing = excluded.typing, at = excluded.at",
        (who.appid, user_id, int(data["command"] == "Typing"), sandbox.clock.now()),
    )
    return ok()


def is_typing(sandbox: Any, appid: str, user_id: str) -> bool:
    """The account shows "对方正在输入…" (Typing lasts at most 15 s or until the next message)."""
    row = sandbox.state.one(
        "SELECT typing, at FROM mp_typing WHERE appid = ? AND user_id = ?", (appid, user_id)
    )
    return bool(row and row["typing"] and sandbox.clock.now() - row["at"] < TYPING_SECONDS)


@wx_endpoint
async def template_send(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    data = await json_body(request)
    settings = mp_settings.load(sandbox)
    openid, user_id = _recipient(sandbox, who, data)
    template_id = data.get("template_id")
    if not isinstance(template_id, str) or not template_id:
        raise WxError(40037)
    if settings.template_registry == "strict" and not templates.is_known(sandbox, who.appid, template_id):
        raise WxError(40037)
    fields = _template_data(data.get("data"))
    miniprogram = data.get("miniprogram")
    if miniprogram is not None:
        linked = sandbox.config.app(miniprogram.get("appid", "")) if isinstance(miniprogram, dict) else None
        if linked is None or linked.kind != MINI_PROGRAM:
            raise WxError(47003, "miniprogram.appid")
    if not conversation.is_following(sandbox, who.appid, user_id):
        raise WxError(43004)
    client_msg_id = data.get("client_msg_id") or None
    with sandbox.state.transaction():
        if client_msg_id:
            earlier = sandbox.state.scalar(
                "SELECT msgid FROM mp_template_messages WHERE appid = ? AND client_msg_id = ? AND created_at > ?",
                (
                    who.appid,
                    client_msg_id,
                    sandbox.clock.now() - settings.template_client_msg_id_window_seconds,
                ),
            )
            if earlier is not None:
                return ok({"msgid": earlier})  # idempotent repeat: not sent again
        take_quota(sandbox, who.appid, "template.send", settings.quota("template.send"))
        _seed_sequence(sandbox, "mp_template_messages", TEMPLATE_MSGID_BASE)
        body = {
            "template_id": template_id,
            "url": data.get("url", ""),
            "miniprogram": miniprogram,
            "data": fields,
        }
        msgid = sandbox.state.execute(
            "INSERT INTO mp_template_messages (appid, user_id, template_id, client_msg_id, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                who.appid,
                user_id,
                template_id,
                client_msg_id,
                json.dumps(body, ensure_ascii=False),
                sandbox.clock.now(),
            ),
        ).lastrowid
        conversation.add_message(
            sandbox,
            who.appid,
            user_id,
            direction="out",
            source="template",
            msgtype="template",
            body={"msgid": msgid, **body},
        )
    fields_push = oa_push.event_fields(
        sandbox, who.app, user_id, "TEMPLATESENDJOBFINISH", MsgID=msgid, Status="success"
    )
    oa_push.enqueue(
        sandbox,
        who.app,
        user_id,
        fields_push,
        push_key=f"template:{who.appid}:{msgid}",
        delay=settings.template_job_finish_delay_seconds,
    )
    return ok({"msgid": msgid})


@wx_endpoint
async def subscribe_send(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=MINI_PROGRAM)
    data = await json_body(request)
    settings = mp_settings.load(sandbox)
    openid, user_id = _recipient(sandbox, who, data)
    template_id = data.get("template_id")
    if not isinstance(template_id, str) or not template_id:
        raise WxError(40037)
    fields = _template_data(data.get("data"))
    state = data.get("miniprogram_state", "formal")
    lang = data.get("lang", "zh_CN")
    if state not in MP_STATES or lang not in MP_LANGS:
        raise WxError(47003, "miniprogram_state" if state not in MP_STATES else "lang")
    page = data.get("page", "")
    if not isinstance(page, str) or page.startswith("/"):
        raise WxError(41030)
    with sandbox.state.transaction():  # a refused send consumes neither the grant nor the quota
        cur = sandbox.state.execute(
            "UPDATE mp_subscriptions SET remaining = remaining - 1"
            " WHERE appid = ? AND user_id = ? AND template_id = ? AND remaining > 0",
            (who.appid, user_id, template_id),
        )
        if cur.rowcount == 0:
            raise WxError(43101)
        take_quota(sandbox, who.appid, "subscribe.send", settings.quota("subscribe.send"))
        _seed_sequence(sandbox, "mp_subscribe_messages", SUBSCRIBE_MSGID_BASE)
        body = {
            "template_id": template_id,
            "page": page,
            "data": fields,
            "miniprogram_state": state,
            "lang": lang,
        }
        msgid = sandbox.state.execute(
            "INSERT INTO mp_subscribe_messages (appid, user_id, template_id, body, created_at) VALUES (?, ?, ?, ?, ?)",
            (who.appid, user_id, template_id, json.dumps(body, ensure_ascii=False), sandbox.clock.now()),
        ).lastrowid
        conversation.add_message(
            sandbox,
            who.appid,
            user_id,
            direction="out",
            source="subscribe",
            msgtype="subscribe",
            body={"msgid": msgid, **body},
        )
    return ok({"msgid": msgid})


def grant_subscription(sandbox: Any, appid: str, user_id: str, template_id: str, count: int = 1) -> int:
    """The user accepted ``wx.requestSubscribeMessage`` ``count`` times; returns the remaining sends."""
    sandbox.state.execute(
        "INSERT INTO mp_subscriptions (appid, user_id, template_id, remaining) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (appid, user_id, template_id) DO UPDATE SET remaining = remaining + excluded.remaining",
        (appid, user_id, template_id, count),
    )
    return sandbox.state.scalar(
        "SELECT remaining FROM mp_subscriptions WHERE appid = ? AND user_id = ? AND template_id = ?",
        (appid, user_id, template_id),
    )


routes = [
    Route("/cgi-bin/message/custom/send", custom_send, methods=["POST"], name="mp.message.custom_send"),
    Route("/cgi-bin/message/custom/typing", custom_typing, methods=["POST"], name="mp.message.custom_typing"),
    Route("/cgi-bin/message/template/send", template_send, methods=["POST"], name="mp.message.template_send"),
    Route(
        "/cgi-bin/message/subscribe/send", subscribe_send, methods=["POST"], name="mp.message.subscribe_send"
    ),
]
