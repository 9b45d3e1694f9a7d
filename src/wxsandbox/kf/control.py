"""Control API: play the WeChat customer and the WeCom servicer (no phone UI needed).

  GET  /sandbox/kf/corp                       corpid, secret, kf accounts, servicers (for the hub's settings)
  GET|POST /sandbox/kf/config                 the developer's callback config {callback_url, callback_token,
                                              encoding_aes_key, …}
  POST /sandbox/kf/customer/enter   {"user", "url"}                the customer opens a kf link (scene_param
                                              appended as &scene_param=…): enter_session event
  POST /sandbox/kf/customer/message {"user", "open_kfid", "content"}   the customer writes (origin 3)
  POST /sandbox/kf/servicer/reply   {"servicer", "open_kfid", "user", "content"}   a servicer answers
                                              from the WeCom client (origin 5; accepts a queued session)
  POST /sandbox/kf/servicer/end     {"servicer", "open_kfid", "user"}  the servicer ends the session
  GET  /sandbox/kf/chat             ?user=&open_kfid=          what the customer sees, and the session state
Each action that adds to the stream fires the encrypted kf_msg_or_event callback; answers carry
``delivery_ids``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.routing import Route

from wxsandbox.control import ControlError, read_json
from wxsandbox.kf import store
from wxsandbox.mp.http import control_endpoint
from wxsandbox.mp.oauth import user_or_error


def _text(data: dict[str, Any]) -> str:
    content = data.get("content")
    if not isinstance(content, str) or not content.strip() or len(content) > 2000:
        raise ControlError("invalid_request", "content 不能为空且不超过 2000 字")
    return content


def _account(sandbox: Any, open_kfid: Any) -> str:
    if store.account(sandbox, open_kfid) is None:
        raise ControlError("unknown_kf_account", "没有这个客服账号", 404)
    return open_kfid


@control_endpoint
async def corp(request: Request, sandbox: Any) -> dict:
    return store.corp(sandbox) | {
        "servicers": list(store.SERVICERS),
        "stopped": list(store.STOPPED_SERVICERS),
    }


@control_endpoint
async def config(request: Request, sandbox: Any) -> dict:
    if request.method == "POST":
        try:
            return store.update_settings(sandbox, await read_json(request))
        except ValueError as exc:
            raise ControlError("invalid_settings", str(exc)) from exc
    return store.settings(sandbox)


@control_endpoint
async def enter(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    user = user_or_error(sandbox, data.get("user"))
    parts = urlsplit(str(data.get("url", "")))
    link = parts.path.rsplit("/", 1)[-1]
    row = sandbox.state.one("SELECT open_kfid, scene FROM kf_links WHERE link = ?", (link,))
    if parts.netloc != "work.weixin.qq.com" or row is None:
        raise ControlError("unknown_link", "客服链接无效", 404)
    scene_param = parse_qs(parts.query).get("scene_param", [""])[0][:128]  # returned decoded (unconfirmed)
    external = store.external_userid(sandbox, user["id"])
    with sandbox.state.transaction():
        store.ensure_session(sandbox, row["open_kfid"], external)
        welcome = store.new_code(sandbox, "welcome", row["open_kfid"], external, 0, 20)
        store.event(
            sandbox,
            row["open_kfid"],
            external,
            "enter_session",
            scene=row["scene"],
            scene_param=scene_param,
            welcome_code=welcome,
        )
    return {
        "open_kfid": row["open_kfid"],
        "external_userid": external,
        "delivery_ids": store.notify(sandbox, row["open_kfid"]),
    }


@control_endpoint
async def customer_message(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    user = user_or_error(sandbox, data.get("user"))
    open_kfid, content = _account(sandbox, data.get("open_kfid")), _text(data)
    external = store.external_userid(sandbox, user["id"])
    with sandbox.state.transaction():
        store.ensure_session(sandbox, open_kfid, external)
        sandbox.state.execute(  # a customer message opens the 48 h window and resets the 5-message count
            "UPDATE kf_sessions SET last_customer_at = ?, sends = 0 WHERE open_kfid = ? AND external_userid = ?",
            (sandbox.clock.now(), open_kfid, external),
        )
        msgid = store.append(sandbox, open_kfid, external, 3, "text", {"content": content})
    return {"msgid": msgid, "external_userid": external, "delivery_ids": store.notify(sandbox, open_kfid)}


@control_endpoint
async def servicer_reply(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    user = user_or_error(sandbox, data.get("user"))
    open_kfid, content, servicer = _account(sandbox, data.get("open_kfid")), _text(data), data.get("servicer")
    if servicer not in store.SERVICERS:
        raise ControlError("not_servicer", "不是该客服账号的接待人员", 403)
    external = store.external_userid(sandbox, user["id"])
    with sandbox.state.transaction():
        session = store.session(sandbox, open_kfid, external)
        if session is None or session["state"] not in (2, 3):
            raise ControlError("not_in_pool", "会话不在接待池或人工接待中", 409)
        if session["state"] == 2:  # accepting from the queue pool
            store.set_state(sandbox, open_kfid, external, 3, servicer)
            store.event(
                sandbox,
                open_kfid,
                external,
                "session_status_change",
                change_type=1,
                new_servicer_userid=servicer,
                msg_code=store.new_code(sandbox, "accept", open_kfid, external, 3, 48 * 3600),
            )
        elif session["servicer"] != servicer:
            raise ControlError("not_your_session", "该会话由其他接待人员接待", 409)
        msgid = store.append(sandbox, open_kfid, external, 5, "text", {"content": content}, servicer=servicer)
    return {"msgid": msgid, "delivery_ids": store.notify(sandbox, open_kfid)}


@control_endpoint
async def servicer_end(request: Request, sandbox: Any) -> dict:
    data = await read_json(request)
    user = user_or_error(sandbox, data.get("user"))
    open_kfid, servicer = _account(sandbox, data.get("open_kfid")), data.get("servicer")
    external = store.external_userid(sandbox, user["id"])
    with sandbox.state.transaction():
        session = store.session(sandbox, open_kfid, external)
        if session is None or session["state"] != 3 or session["servicer"] != servicer:
            raise ControlError("not_your_session", "该会话不由此接待人员接待", 409)
        store.set_state(sandbox, open_kfid, external, 4)
        store.event(
            sandbox,
            open_kfid,
            external,
            "session_status_change",
            change_type=3,
            old_servicer_userid=servicer,
            msg_code=store.new_code(sandbox, "end", open_kfid, external, 4, 20),
        )
    return {"delivery_ids": store.notify(sandbox, open_kfid)}


@control_endpoint
async def chat(request: Request, sandbox: Any) -> dict:
    user = user_or_error(sandbox, request.query_params.get("user"))
    open_kfid = _account(sandbox, request.query_params.get("open_kfid"))
    external = store.external_userid(sandbox, user["id"])
    rows = sandbox.state.query(
        "SELECT * FROM kf_stream WHERE open_kfid = ? AND external_userid = ? AND msgtype != 'event' ORDER BY seq",
        (open_kfid, external),
    )
    session = store.session(sandbox, open_kfid, external) or {"state": 4, "servicer": ""}
    return {
        "external_userid": external,
        "service_state": session["state"],
        "servicer": session["servicer"],
        "messages": [
            {
                "origin": r["origin"],
                "msgtype": r["msgtype"],
                **json.loads(r["payload"]),
                "servicer": r["servicer"],
            }
            for r in rows
        ],
    }


control_routes = [
    Route("/sandbox/kf/corp", corp, methods=["GET"], name="sandbox.kf.corp"),
    Route("/sandbox/kf/config", config, methods=["GET", "POST"], name="sandbox.kf.config"),
    Route("/sandbox/kf/customer/enter", enter, methods=["POST"], name="sandbox.kf.enter"),
    Route("/sandbox/kf/customer/message", customer_message, methods=["POST"], name="sandbox.kf.message"),
    Route("/sandbox/kf/servicer/reply", servicer_reply, methods=["POST"], name="sandbox.kf.servicer_reply"),
    Route("/sandbox/kf/servicer/end", servicer_end, methods=["POST"], name="sandbox.kf.servicer_end"),
    Route("/sandbox/kf/chat", chat, methods=["GET"], name="sandbox.kf.chat"),
]
