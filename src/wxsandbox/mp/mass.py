"""Mass send (群发) of an Official Account: ``POST /cgi-bin/message/mass/sendall``.

Not in the shared reference. Shapes follow WeChat's 群发接口 documentation as read through WxJava,
wechatpy and other SDKs; limits we could not confirm are ``[mp]`` settings:

* Body: ``{"filter": {"is_to_all": bool, "tag_id": int}, "msgtype": "text"|"mpnews"|"image"|..., <msgtype>:
  {...}, "send_ignore_reprint": 0|1, "clientmsgid": str}``. ``text`` is ``{"content"}`` (44004 empty,
  45002 above ``mass_max_text_bytes``); ``mpnews``/``image``/``voice``/``mpvideo`` carry a ``media_id`` of
  this account (40007 otherwise). ``is_to_all: false`` needs a tag of the account (45159); 47001 for a
  malformed body.
* ``clientmsgid`` (at most 64 bytes) makes the send idempotent: a repeat answers 45065 ``clientmsgid
  exist`` and sends nothing. Calls per day: ``daily_quotas["mass.sendall"]`` (45028 beyond).
* Answer ``{"errcode": 0, "errmsg": "send job submission success", "msg_id", "msg_data_id"}``
  (``msg_data_id`` only for mpnews, as WeChat gives it for image-text only).
* Recipients: the tag's members (or all followers) who follow now. A follower receives at most
  ``mass_user_monthly_limit`` mass messages a calendar month: beyond it they count in ErrorCount.
  Each delivered message appears in the follower's chat (source ``mass``).
* Then ``MASSSENDJOBFINISH`` is pushed to the message server: ``MsgID``, ``Status`` ("send success", or
  "send fail" when the content check ``mass_reject_words`` stops the job and nobody receives it),
  ``TotalCount`` (the tag's size), ``FilterCount`` (followers left after filtering), ``SentCount``,
  ``ErrorCount``, and ``CopyrightCheckResult`` (no reprint check here: Count 0, CheckState 1).
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.mp import conversation, media, oa_push
from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import caller, json_body, ok, take_quota, wx_endpoint
from wxsandbox.mp.messages import _seed_sequence

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_mass_jobs (
    msg_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    appid        TEXT NOT NULL,
    clientmsgid  TEXT,
    tag_id       INTEGER,
    msgtype      TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL,
    total        INTEGER NOT NULL,
    filtered     INTEGER NOT NULL,
    sent         INTEGER NOT NULL,
    errors       INTEGER NOT NULL,
    created_at   REAL NOT NULL,
    UNIQUE (appid, clientmsgid)
);
CREATE TABLE IF NOT EXISTS mp_mass_received (
    appid    TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    month    TEXT NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (appid, user_id, month)
);
"""
MEDIA_TYPES = {"mpnews": "news", "image": "image", "voice": "voice", "mpvideo": "video"}
MSG_ID_BASE = 1_000_000_000  # real msg_ids are ten-digit numbers
MAX_CLIENTMSGID = 64


def _content(settings: mp_settings.MpSettings, sandbox: Any, appid: str, data: dict) -> tuple[str, dict]:
    msgtype = data.get("msgtype")
    part = data.get(msgtype) if isinstance(msgtype, str) else None
    if msgtype == "text":
        content = part.get("content") if isinstance(part, dict) else None
        if not isinstance(content, str):
            raise WxError(47001)
        if not content.strip():
            raise WxError(44004)
        if len(content.encode()) > settings.mass_max_text_bytes:
            raise WxError(45002)
        return msgtype, {"content": content}
    if msgtype in MEDIA_TYPES:
        if not isinstance(part, dict):
            raise WxError(47001)
        found = media.find(sandbox, appid, part.get("media_id"))
        if found is None:
            raise WxError(40007)
        return msgtype, {"media_id": part["media_id"]}
    raise WxError(47001)


def _recipients(sandbox: Any, appid: str, filter_: Any) -> tuple[int | None, int, list[str]]:
    """(tag id or None for everyone, the audience's size, user ids following now)."""
    if not isinstance(filter_, dict) or not isinstance(filter_.get("is_to_all"), bool):
        raise WxError(47001)
    if filter_["is_to_all"]:
        rows = sandbox.state.query("SELECT user_id, subscribed FROM mp_followers WHERE appid = ?", (appid,))
        return None, len(rows), [r["user_id"] for r in rows if r["subscribed"]]
    tag_id = filter_.get("tag_id")
    if not isinstance(tag_id, int) or isinstance(tag_id, bool):
        raise WxError(47001)
    if sandbox.state.one("SELECT 1 FROM mp_tags WHERE appid = ? AND id = ?", (appid, tag_id)) is None:
        raise WxError(45159)
    openids = [
        r["openid"]
        for r in sandbox.state.query(
            "SELECT openid FROM mp_tag_members WHERE appid = ? AND tag_id = ? ORDER BY openid",
            (appid, tag_id),
        )
    ]
    following = []
    for openid in openids:
        user = sandbox.users.by_openid(appid, openid)
        if user is not None and conversation.is_following(sandbox, appid, user["id"]):
            following.append(user["id"])
    return tag_id, len(openids), following


@wx_endpoint
async def sendall(request: Request, sandbox: Any) -> Any:
    who = caller(request, sandbox, kind=OFFICIAL_ACCOUNT)
    data = await json_body(request)
    settings = mp_settings.load(sandbox)
    msgtype, content = _content(settings, sandbox, who.appid, data)
    clientmsgid = data.get("clientmsgid")
    if clientmsgid is not None and (
        not isinstance(clientmsgid, str) or not clientmsgid or len(clientmsgid.encode()) > MAX_CLIENTMSGID
    ):
        raise WxError(47001)
    tag_id, total, following = _recipients(sandbox, who.appid, data.get("filter"))
    text = content.get("content", "")
    refused = any(word in text for word in settings.mass_reject_words)
    month = time.strftime("%Y-%m", time.gmtime(sandbox.clock.now()))
    with sandbox.state.transaction():
        if clientmsgid and sandbox.state.one(
            "SELECT 1 FROM mp_mass_jobs WHERE appid = ? AND clientmsgid = ?", (who.appid, clientmsgid)
        ):
            raise WxError(45065)
        take_quota(sandbox, who.appid, "mass.sendall", settings.quota("mass.sendall"), errcode=45028)
        _seed_sequence(sandbox, "mp_mass_jobs", MSG_ID_BASE)
        sent = errors = 0
        delivered = []
        for user_id in [] if refused else following:
            received = sandbox.state.scalar(
                "SELECT count FROM mp_mass_received WHERE appid = ? AND user_id = ? AND month = ?",
                (who.appid, user_id, month),
            )
            if settings.mass_user_monthly_limit and (received or 0) >= settings.mass_user_monthly_limit:
                errors += 1
                continue
            sandbox.state.execute(
                "INSERT INTO mp_mass_received (appid, user_id, month, count) VALUES (?, ?, ?, 1)"
                " ON CONFLICT (appid, user_id, month) DO UPDATE SET count = count + 1",
                (who.appid, user_id, month),
            )
            delivered.append(user_id)
            sent += 1
        status = "send fail" if refused else "send success"
        msg_id = sandbox.state.execute(
            "INSERT INTO mp_mass_jobs (appid, clientmsgid, tag_id, msgtype, body, status, total, filtered,"
            " sent, errors, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                who.appid,
                clientmsgid,
                tag_id,
                msgtype,
                json.dumps(content, ensure_ascii=False),
                status,
                total,
                len(following),
                sent,
                errors,
                sandbox.clock.now(),
            ),
        ).lastrowid
        for user_id in delivered:
            conversation.add_message(
                sandbox,
                who.appid,
                user_id,
                direction="out",
                source="mass",
                msgtype=msgtype,
                body={"msg_id": msg_id, **content},
            )
    # The event names the account's own openid as sender on WeChat; here the first recipient (or none).
    anyone = following[0] if following else None
    if anyone is not None:
        fields = oa_push.event_fields(
            sandbox,
            who.app,
            anyone,
            "MASSSENDJOBFINISH",
            MsgID=msg_id,
            Status=status,
            TotalCount=total,
            FilterCount=len(following),
            SentCount=sent,
            ErrorCount=errors,
            CopyrightCheckResult={"Count": 0, "ResultList": "", "CheckState": 1},
        )
        oa_push.enqueue(
            sandbox,
            who.app,
            anyone,
            fields,
            push_key=f"mass:{who.appid}:{msg_id}",
            delay=settings.mass_job_finish_delay_seconds,
        )
    answer = {"errmsg": "send job submission success", "msg_id": msg_id}
    if msgtype == "mpnews":
        answer["msg_data_id"] = msg_id * 10 + 1
    return ok(answer)


def job(sandbox: Any, appid: str, msg_id: int) -> dict[str, Any] | None:
    row = sandbox.state.one("SELECT * FROM mp_mass_jobs WHERE appid = ? AND msg_id = ?", (appid, msg_id))
    return dict(row) if row else None


routes = [Route("/cgi-bin/message/mass/sendall", sendall, methods=["POST"], name="mp.mass.sendall")]
