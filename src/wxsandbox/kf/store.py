"""State of the 微信客服 (WeCom kf) emulation: the corp, its kf accounts and servicers, sessions with their
state machine, the message stream sync_msg pages through, single-use codes, and the encrypted
``kf_msg_or_event`` callback (reference wechat-kf-security-shipping.md §1).

Settings (``[kf]`` table of the sandbox config, or ``POST /sandbox/kf/config`` at run time):
``callback_url``, ``callback_token``, ``encoding_aes_key`` (the developer's callback config),
``allow_api_end_from_bot`` (unconfirmed: the API may end a state-1 session, default true),
``sync_without_token_per_minute`` (the stricter limit without the callback Token, unconfirmed: 60).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from typing import Any
from urllib.parse import urlencode

from wxsandbox.callbacks import CallbackKind
from wxsandbox.mp.msgcrypt import MsgCrypt, generate_encoding_aes_key

SCHEMA = """
CREATE TABLE IF NOT EXISTS kf_tokens (
    token       TEXT PRIMARY KEY,
    expires_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS kf_links (
    link        TEXT PRIMARY KEY,       -- the kfc… part of the URL
    open_kfid   TEXT NOT NULL,
    scene       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kf_sessions (
    open_kfid         TEXT NOT NULL,
    external_userid   TEXT NOT NULL,
    state             INTEGER NOT NULL DEFAULT 0,
    servicer          TEXT NOT NULL DEFAULT '',
    last_customer_at  REAL,
    sends             INTEGER NOT NULL DEFAULT 0,     -- API sends since the customer's last message
    PRIMARY KEY (open_kfid, external_userid)
);
CREATE TABLE IF NOT EXISTS kf_stream (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,   -- the sync_msg cursor
    msgid            TEXT NOT NULL,
    open_kfid        TEXT NOT NULL,
    external_userid  TEXT NOT NULL,
    origin           INTEGER NOT NULL,    -- 3 customer | 4 event | 5 servicer | 0 sent through the API
    servicer         TEXT NOT NULL DEFAULT '',
    msgtype          TEXT NOT NULL,
    payload          TEXT NOT NULL,
    send_time        INTEGER NOT NULL,
    UNIQUE (open_kfid, msgid)
);
CREATE TABLE IF NOT EXISTS kf_codes (
    code             TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,       -- welcome | pool | accept | end
    open_kfid        TEXT NOT NULL,
    external_userid  TEXT NOT NULL,
    state            INTEGER NOT NULL,    -- the session state that produced it
    expires_at       REAL NOT NULL,
    used             INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS kf_customers (
    external_userid  TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kf_event_tokens (
    token       TEXT PRIMARY KEY,
    expires_at  REAL NOT NULL
);
"""

KIND = "kf.callback"
TOKEN_TTL = 7200
EVENT_TOKEN_TTL = 600  # the callback's Token: 10 minutes
WINDOW = 48 * 3600
MAX_SENDS = 5
KEEP_SECONDS = 3 * 86400
SERVICERS = ("zhangsan", "lisi", "wangwu")
STOPPED_SERVICERS = ("wangwu",)  # 停止接待: trans to them answers 95019
_META = "kf.settings"


def corp(sandbox: Any) -> dict[str, Any]:
    """corpid, secret and accounts: from ``[kf]`` or derived from the sandbox seed (stable per config)."""
    section = dict(sandbox.config.section("kf"))
    seed = f"{sandbox.config.seed}"
    corpid = section.get("corpid") or "ww" + hashlib.sha1(f"corp{seed}".encode()).hexdigest()[:16]
    secret = section.get("secret") or hashlib.sha256(f"kfsecret{seed}".encode()).hexdigest()[:43]
    accounts = [
        {"open_kfid": "wk" + hashlib.sha1(f"{corpid}:{name}".encode()).hexdigest()[:30], "name": name}
        for name in section.get("accounts", ["咨询客服", "售后客服"])
    ]
    return {"corpid": corpid, "secret": secret, "accounts": accounts}


def settings(sandbox: Any) -> dict[str, Any]:
    base = {
        "callback_url": "",
        "callback_token": "kfToken" + hashlib.sha1(str(sandbox.config.seed).encode()).hexdigest()[:8],
        "encoding_aes_key": "",
        "allow_api_end_from_bot": True,
        "sync_without_token_per_minute": 60,
    }
    base.update({k: v for k, v in dict(sandbox.config.section("kf")).items() if k in base})
    base.update(json.loads(sandbox.state.get_meta(_META) or "{}"))
    if not base["encoding_aes_key"]:
        key = sandbox.state.get_meta("kf.aes_key")
        if not key:
            key = generate_encoding_aes_key()
            sandbox.state.set_meta("kf.aes_key", key)
        base["encoding_aes_key"] = key
    return base


def update_settings(sandbox: Any, values: dict[str, Any]) -> dict[str, Any]:
    allowed = set(settings(sandbox))
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"unknown kf settings {sorted(unknown)}")
    stored = json.loads(sandbox.state.get_meta(_META) or "{}")
    stored.update(values)
    sandbox.state.set_meta(_META, json.dumps(stored, ensure_ascii=False))
    return settings(sandbox)


def account(sandbox: Any, open_kfid: Any) -> dict[str, Any] | None:
    return next((a for a in corp(sandbox)["accounts"] if a["open_kfid"] == open_kfid), None)


def external_userid(sandbox: Any, user_id: str) -> str:
    """The customer's id on the corp's side (prefix wm), stable per (corp, WeChat user)."""
    external = "wm" + hashlib.sha1(f"{corp(sandbox)['corpid']}:{user_id}".encode()).hexdigest()[:30]
    sandbox.state.execute(
        "INSERT INTO kf_customers (external_userid, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (external, user_id),
    )
    return external


def user_of(sandbox: Any, external: str) -> str | None:
    return sandbox.state.scalar("SELECT user_id FROM kf_customers WHERE external_userid = ?", (external,))


# -- sessions ------------------------------------------------------------------------------------------------


def session(sandbox: Any, open_kfid: str, external: str) -> dict[str, Any] | None:
    row = sandbox.state.one(
        "SELECT * FROM kf_sessions WHERE open_kfid = ? AND external_userid = ?", (open_kfid, external)
    )
    return dict(row) if row else None


def ensure_session(sandbox: Any, open_kfid: str, external: str) -> dict[str, Any]:
    """A customer action: a session that ended (4) starts again in state 0."""
    sandbox.state.execute(
        "INSERT INTO kf_sessions (open_kfid, external_userid) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (open_kfid, external),
    )
    sandbox.state.execute(
        "UPDATE kf_sessions SET state = 0, servicer = '' WHERE open_kfid = ? AND external_userid = ? AND state = 4",
        (open_kfid, external),
    )
    return session(sandbox, open_kfid, external)


def set_state(sandbox: Any, open_kfid: str, external: str, state: int, servicer: str = "") -> None:
    sandbox.state.execute(
        "UPDATE kf_sessions SET state = ?, servicer = ? WHERE open_kfid = ? AND external_userid = ?",
        (state, servicer, open_kfid, external),
    )


def new_code(sandbox: Any, kind: str, open_kfid: str, external: str, state: int, ttl: float) -> str:
    code = secrets.token_urlsafe(24)
    sandbox.state.execute(
        "INSERT INTO kf_codes (code, kind, open_kfid, external_userid, state, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        (code, kind, open_kfid, external, state, sandbox.clock.now() + ttl),
    )
    return code


# -- the message stream and the callback -------------------------------------------------------------------


def append(
    sandbox: Any,
    open_kfid: str,
    external: str,
    origin: int,
    msgtype: str,
    payload: dict[str, Any],
    *,
    servicer: str = "",
    msgid: str | None = None,
) -> str:
    msgid = msgid or uuid.uuid4().hex
    sandbox.state.execute(
        "INSERT INTO kf_stream (msgid, open_kfid, external_userid, origin, servicer, msgtype, payload, send_time)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            msgid,
            open_kfid,
            external,
            origin,
            servicer,
            msgtype,
            json.dumps(payload, ensure_ascii=False),
            sandbox.clock.timestamp(),
        ),
    )
    return msgid


def event(sandbox: Any, open_kfid: str, external: str, event_type: str, **fields: Any) -> str:
    return append(
        sandbox,
        open_kfid,
        external,
        4,
        "event",
        {"event_type": event_type, "open_kfid": open_kfid, "external_userid": external, **fields},
    )


def item(row: Any) -> dict[str, Any]:
    """A stream row as sync_msg returns it (event items carry the customer inside ``event``)."""
    payload = json.loads(row["payload"])
    out: dict[str, Any] = {"msgid": row["msgid"], "send_time": row["send_time"], "origin": row["origin"]}
    if row["msgtype"] != "event":
        out |= {"open_kfid": row["open_kfid"], "external_userid": row["external_userid"]}
    if row["origin"] == 5:
        out["servicer_userid"] = row["servicer"]
    return out | {"msgtype": row["msgtype"], row["msgtype"]: payload}


def notify(sandbox: Any, open_kfid: str) -> list[int]:
    """Tell the developer there is something to pull: an encrypted kf_msg_or_event with a fresh Token."""
    conf = settings(sandbox)
    if not conf["callback_url"]:
        return []
    token = "ENC" + secrets.token_urlsafe(33)
    sandbox.state.execute(
        "INSERT INTO kf_event_tokens (token, expires_at) VALUES (?, ?)",
        (token, sandbox.clock.now() + EVENT_TOKEN_TTL),
    )
    corpid = corp(sandbox)["corpid"]
    xml = (
        f"<xml><ToUserName><![CDATA[{corpid}]]></ToUserName><CreateTime>{sandbox.clock.timestamp()}</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
        f"<Token><![CDATA[{token}]]></Token><OpenKfId><![CDATA[{open_kfid}]]></OpenKfId></xml>"
    )
    crypt = MsgCrypt(conf["callback_token"], conf["encoding_aes_key"], corpid)
    encrypted = crypt.encrypt(xml)
    body = (
        f"<xml><ToUserName><![CDATA[{corpid}]]></ToUserName><AgentID><![CDATA[]]></AgentID>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    ).encode()
    timestamp, nonce = str(sandbox.clock.timestamp()), secrets.token_hex(5)
    query = urlencode(
        {"msg_signature": crypt.sign(timestamp, nonce, encrypted), "timestamp": timestamp, "nonce": nonce}
    )
    url = conf["callback_url"] + ("&" if "?" in conf["callback_url"] else "?") + query
    return sandbox.callbacks.enqueue(KIND, url, body, {"open_kfid": open_kfid})


def register(sandbox: Any) -> None:
    """Retried up to 3 times without an HTTP 200 within 5 s; the same signed request each time."""
    sandbox.callbacks.register(
        CallbackKind(name=KIND, schedule=(0.0, 0.0, 0.0), timeout=5.0, is_success=lambda s, b: s == 200)
    )
