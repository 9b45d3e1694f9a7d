"""WeCom's endpoints for 微信客服 (reference wechat-kf-security-shipping.md §1.1, §1.2, §1.5, §1.7, §1.8).

gettoken, kf/account/list (POST or the legacy GET), kf/add_contact_way, kf/service_state/get|trans,
kf/sync_msg (cursor, has_more, limit, the callback Token, API-sent messages excluded, 3 days kept),
kf/send_msg (48 h after the customer's last message, at most 5, session state 0/1 only).
Errors: ``{"errcode", "errmsg": "…, hint: […], more info at …"}`` on HTTP 200, errcode first.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from wxsandbox.kf import store
from wxsandbox.mp.errors import WxError
from wxsandbox.mp.http import take_quota

ERRMSG = {
    -1: "system busy",
    40001: "invalid secret",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40058: "invalid parameter",
    40096: "invalid external userid",
    41001: "access_token missing",
    41002: "corpid missing",
    41004: "corpsecret missing",
    42001: "access_token expired",
    44004: "empty content",
    45009: "api freq out of limit",
    47001: "data format error",
    95000: "invalid open_kfid",
    95001: "send msg count limit",
    95002: "send msg time limit",
    95007: "invalid msg token",
    95008: "msgmenu item count exceed",
    95009: "invalid msgmenu item type",
    95013: "session already end",
    95014: "user is not servicer",
    95016: "invalid service state transition",
    95018: "send msg session status invalid",
    95019: "servicer stopped or suspended",
    95031: "customer has not consulted in 48 hours",
}
MSGID = re.compile(r"[0-9a-zA-Z_-]{1,32}")
SCENE = re.compile(r"[0-9a-zA-Z_-]{0,32}")
# service_state transitions the API may make (§1.5); 1 → 4 is configurable (unconfirmed).
TRANSITIONS = {0: {1, 2, 3}, 1: {2, 3}, 2: {3}, 3: {3, 4}, 4: set()}


class KfError(Exception):
    def __init__(self, errcode: int) -> None:
        super().__init__(errcode)
        self.errcode = errcode

    def body(self) -> dict[str, Any]:
        hint = f"{secrets.randbelow(10**10)}_{secrets.token_hex(16)}"
        text = ERRMSG.get(self.errcode, "error")
        return {
            "errcode": self.errcode,
            "errmsg": f"{text}, hint: [{hint}], more info at https://open.work.weixin.qq.com/devtool/query?e={self.errcode}",
        }


def endpoint(handler):
    async def run(request: Request) -> JSONResponse:
        try:
            data = await handler(request, request.app.state.sandbox)
        except KfError as exc:
            return JSONResponse(exc.body())
        return JSONResponse({"errcode": 0, "errmsg": "ok", **data})

    run.__name__ = handler.__name__
    return run


def _token(request: Request, sandbox: Any) -> None:
    token = request.query_params.get("access_token")
    if not token:
        raise KfError(41001)
    expires = sandbox.state.scalar("SELECT expires_at FROM kf_tokens WHERE token = ?", (token,))
    if expires is None:
        raise KfError(40014)
    if expires <= sandbox.clock.now():
        raise KfError(42001)


async def _body(request: Request, *, optional: bool = False) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {}
        raise KfError(47001)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KfError(47001) from exc
    if not isinstance(data, dict):
        raise KfError(47001)
    return data


def _account(sandbox: Any, open_kfid: Any) -> str:
    if not isinstance(open_kfid, str) or store.account(sandbox, open_kfid) is None:
        raise KfError(95000)
    return open_kfid


def _customer(sandbox: Any, external: Any) -> str:
    if not isinstance(external, str) or store.user_of(sandbox, external) is None:
        raise KfError(40096)
    return external


@endpoint
async def gettoken(request: Request, sandbox: Any) -> dict:
    corpid, secret = request.query_params.get("corpid"), request.query_params.get("corpsecret")
    if not corpid:
        raise KfError(41002)
    if not secret:
        raise KfError(41004)
    corp = store.corp(sandbox)
    if corpid != corp["corpid"]:
        raise KfError(40013)
    if secret != corp["secret"]:
        raise KfError(40001)
    now = sandbox.clock.now()
    # Repeated calls within validity return the same token (reference §1.1).
    current = sandbox.state.scalar(
        "SELECT token FROM kf_tokens WHERE expires_at > ? ORDER BY expires_at DESC LIMIT 1", (now + 60,)
    )
    if current is None:
        current = secrets.token_urlsafe(96)
        sandbox.state.execute(
            "INSERT INTO kf_tokens (token, expires_at) VALUES (?, ?)", (current, now + store.TOKEN_TTL)
        )
    expires = sandbox.state.scalar("SELECT expires_at FROM kf_tokens WHERE token = ?", (current,))
    return {"access_token": current, "expires_in": int(expires - now)}


@endpoint
async def account_list(request: Request, sandbox: Any) -> dict:
    _token(request, sandbox)
    data = await _body(request, optional=True)  # the legacy GET has no body
    offset, limit = data.get("offset", 0), data.get("limit", 100)
    if not isinstance(offset, int) or not isinstance(limit, int) or offset < 0 or not 1 <= limit <= 100:
        raise KfError(40058)
    accounts = store.corp(sandbox)["accounts"][offset : offset + limit]
    return {
        "account_list": [
            {
                "open_kfid": a["open_kfid"],
                "name": a["name"],
                "avatar": f"https://wework.qpic.cn/wwhead/{a['open_kfid']}/0",
                "manage_privilege": True,
            }
            for a in accounts
        ]
    }


@endpoint
async def add_contact_way(request: Request, sandbox: Any) -> dict:
    _token(request, sandbox)
    data = await _body(request)
    open_kfid = _account(sandbox, data.get("open_kfid"))
    scene = data.get("scene", "")
    if not isinstance(scene, str) or not SCENE.fullmatch(scene):
        raise KfError(40058)
    link = "kfc" + secrets.token_hex(8)
    sandbox.state.execute(
        "INSERT INTO kf_links (link, open_kfid, scene) VALUES (?, ?, ?)", (link, open_kfid, scene)
    )
    return {"url": f"https://work.weixin.qq.com/kf/{link}?enc_scene=ENC{secrets.token_urlsafe(12)}"}


@endpoint
async def service_state_get(request: Request, sandbox: Any) -> dict:
    _token(request, sandbox)
    data = await _body(request)
    open_kfid = _account(sandbox, data.get("open_kfid"))
    external = _customer(sandbox, data.get("external_userid"))
    session = store.session(sandbox, open_kfid, external) or {"state": 4, "servicer": ""}
    out: dict[str, Any] = {"service_state": session["state"]}
    if session["state"] == 3:
        out["servicer_userid"] = session["servicer"]
    return out


@endpoint
async def service_state_trans(request: Request, sandbox: Any) -> dict:
    _token(request, sandbox)
    data = await _body(request)
    open_kfid = _account(sandbox, data.get("open_kfid"))
    external = _customer(sandbox, data.get("external_userid"))
    target = data.get("service_state")
    if isinstance(target, bool) or target not in (0, 1, 2, 3, 4):
        raise KfError(40058)
    servicer = data.get("servicer_userid", "")
    conf = store.settings(sandbox)
    with sandbox.state.transaction():
        session = store.session(sandbox, open_kfid, external)
        current = session["state"] if session else 4
        allowed = TRANSITIONS[current] | ({4} if current == 1 and conf["allow_api_end_from_bot"] else set())
        if target not in allowed:
            raise KfError(95016)
        if target == 3:
            if servicer not in store.SERVICERS:
                raise KfError(95014)
            if servicer in store.STOPPED_SERVICERS:
                raise KfError(95019)
        store.set_state(sandbox, open_kfid, external, target, servicer if target == 3 else "")
        code = ""
        if target in (2, 3) and current not in (2, 3):
            code = store.new_code(
                sandbox, "pool" if target == 2 else "accept", open_kfid, external, target, 48 * 3600
            )
        elif target == 4:
            code = store.new_code(sandbox, "end", open_kfid, external, 4, 20)
    return {"msg_code": code} if code else {}


@endpoint
async def sync_msg(request: Request, sandbox: Any) -> dict:
    _token(request, sandbox)
    data = await _body(request)
    cursor, token, limit = data.get("cursor", ""), data.get("token", ""), data.get("limit", 1000)
    open_kfid = data.get("open_kfid")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 1000:
        raise KfError(40058)
    if open_kfid is not None:
        _account(sandbox, open_kfid)
    now = sandbox.clock.now()
    if token:
        valid = sandbox.state.scalar(
            "SELECT 1 FROM kf_event_tokens WHERE token = ? AND expires_at > ?", (str(token)[:128], now)
        )
        if not valid:
            raise KfError(95007)
    else:  # without the callback's Token the call is held to a much stricter limit
        per_minute = int(store.settings(sandbox)["sync_without_token_per_minute"])
        try:
            take_quota(sandbox, "kf", "kf.sync_msg.no_token", per_minute, per="minute")
        except WxError as exc:
            raise KfError(45009) from exc
    try:
        after = int(cursor[1:]) if cursor else 0
        if cursor and not cursor.startswith("c"):
            raise ValueError
    except ValueError as exc:
        raise KfError(40058) from exc
    query = "SELECT * FROM kf_stream WHERE seq > ? AND origin != 0 AND send_time >= ?"
    args: list[Any] = [after, int(now) - store.KEEP_SECONDS]
    if open_kfid is not None:
        query += " AND open_kfid = ?"
        args.append(open_kfid)
    rows = sandbox.state.query(query + " ORDER BY seq LIMIT ?", (*args, limit + 1))
    page = rows[:limit]
    last = page[-1]["seq"] if page else after
    return {
        "next_cursor": f"c{last}",
        "has_more": int(len(rows) > limit),
        "msg_list": [store.item(r) for r in page],
    }


def _payload(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    msgtype = data.get("msgtype")
    payload = data.get(msgtype) if isinstance(msgtype, str) else None
    if msgtype not in ("text", "msgmenu", "link", "image", "miniprogram") or not isinstance(payload, dict):
        raise KfError(40058)
    if msgtype == "text":
        content = payload.get("content")
        if not isinstance(content, str) or not content:
            raise KfError(44004)
        if len(content.encode()) > 2048:
            raise KfError(40058)
    if msgtype == "msgmenu":
        items = payload.get("list")
        if not isinstance(items, list):
            raise KfError(40058)
        if len(items) > 10:
            raise KfError(95008)
        if any(
            not isinstance(i, dict) or i.get("type") not in ("click", "view", "miniprogram", "text")
            for i in items
        ):
            raise KfError(95009)
    return msgtype, payload


@endpoint
async def send_msg(request: Request, sandbox: Any) -> dict:
    _token(request, sandbox)
    data = await _body(request)
    open_kfid = _account(sandbox, data.get("open_kfid"))
    external = _customer(sandbox, data.get("touser"))
    msgid = data.get("msgid") or secrets.token_hex(16)
    if not isinstance(msgid, str) or not MSGID.fullmatch(msgid):
        raise KfError(40058)
    msgtype, payload = _payload(data)
    now = sandbox.clock.now()
    with sandbox.state.transaction():
        session = store.session(sandbox, open_kfid, external)
        if session is None or session["last_customer_at"] is None:
            raise KfError(95031)
        if now - session["last_customer_at"] > store.WINDOW:
            raise KfError(95002)
        if session["state"] not in (0, 1):
            raise KfError(95018)
        if sandbox.state.scalar(
            "SELECT 1 FROM kf_stream WHERE open_kfid = ? AND msgid = ?", (open_kfid, msgid)
        ):
            raise KfError(40058)  # msgid must be unique within the kf account
        cur = sandbox.state.execute(
            "UPDATE kf_sessions SET sends = sends + 1 WHERE open_kfid = ? AND external_userid = ? AND sends < ?",
            (open_kfid, external, store.MAX_SENDS),
        )
        if cur.rowcount == 0:
            raise KfError(95001)
        store.append(sandbox, open_kfid, external, 0, msgtype, payload, msgid=msgid)
    return {"msgid": msgid}


routes = [
    Route("/cgi-bin/gettoken", gettoken, methods=["GET"], name="kf.gettoken"),
    Route("/cgi-bin/kf/account/list", account_list, methods=["GET", "POST"], name="kf.account_list"),
    Route("/cgi-bin/kf/add_contact_way", add_contact_way, methods=["POST"], name="kf.add_contact_way"),
    Route("/cgi-bin/kf/service_state/get", service_state_get, methods=["POST"], name="kf.service_state_get"),
    Route(
        "/cgi-bin/kf/service_state/trans",
        service_state_trans,
        methods=["POST"],
        name="kf.service_state_trans",
    ),
    Route("/cgi-bin/kf/sync_msg", sync_msg, methods=["POST"], name="kf.sync_msg"),
    Route("/cgi-bin/kf/send_msg", send_msg, methods=["POST"], name="kf.send_msg"),
]
