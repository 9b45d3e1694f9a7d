"""What each simulated user sees in an account's chat, and the follower state that gates messaging.

``mp_messages`` is the conversation per (appid, user): the user's own messages, passive replies, customer-
service, template and subscribe messages, and WeChat's own notices ("该公众号暂时无法提供服务…"). The phone
UI lists it; tests read it. ``mp_followers`` holds following state and the last interaction, which gates
typing; the per-action send windows live in ``cs_windows``.
"""

from __future__ import annotations

import json
from typing import Any

from wxsandbox.mp import cs_windows

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    appid       TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    direction   TEXT NOT NULL,          -- in: user → account | out: account → user
    source      TEXT NOT NULL,          -- user | event | passive | custom | template | subscribe | system
    msgtype     TEXT NOT NULL,
    body        TEXT NOT NULL,          -- JSON: the message as the phone UI renders it
    push_key    TEXT UNIQUE,            -- passive replies: one per pushed message, whatever the retries
    shown       INTEGER NOT NULL DEFAULT 1,  -- 0: recorded but not delivered (e.g. reply to unsubscribe)
    created_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS mp_messages_user ON mp_messages (appid, user_id, id);
CREATE TABLE IF NOT EXISTS mp_followers (
    appid             TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    subscribed        INTEGER NOT NULL DEFAULT 0,
    subscribe_time    REAL,
    unsubscribe_time  REAL,
    subscribe_scene   TEXT NOT NULL DEFAULT '',
    qr_scene          INTEGER NOT NULL DEFAULT 0,
    qr_scene_str      TEXT NOT NULL DEFAULT '',
    last_interaction  REAL,
    PRIMARY KEY (appid, user_id)
);
"""

SERVICE_UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试"


def add_message(
    sandbox: Any,
    appid: str,
    user_id: str,
    *,
    direction: str,
    source: str,
    msgtype: str,
    body: dict[str, Any],
    push_key: str | None = None,
    shown: bool = True,
) -> int | None:
    """Append to the conversation; returns the row id, or None when ``push_key`` was already recorded."""
    cur = sandbox.state.execute(
        "INSERT OR IGNORE INTO mp_messages (appid, user_id, direction, source, msgtype, body, push_key, shown,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            appid,
            user_id,
            direction,
            source,
            msgtype,
            json.dumps(body, ensure_ascii=False),
            push_key,
            int(shown),
            sandbox.clock.now(),
        ),
    )
    return cur.lastrowid if cur.rowcount else None


def messages(sandbox: Any, appid: str, user_id: str, since_id: int = 0, limit: int = 200) -> list[dict]:
    rows = sandbox.state.query(
        "SELECT id, direction, source, msgtype, body, shown, created_at FROM mp_messages"
        " WHERE appid = ? AND user_id = ? AND id > ? ORDER BY id LIMIT ?",
        (appid, user_id, since_id, max(1, min(limit, 1000))),
    )
    return [dict(r) | {"body": json.loads(r["body"]), "shown": bool(r["shown"])} for r in rows]


def message_by_push_key(sandbox: Any, push_key: str) -> dict | None:
    row = sandbox.state.one(
        "SELECT id, msgtype, source, body, shown FROM mp_messages WHERE push_key = ?", (push_key,)
    )
    return None if row is None else dict(row) | {"body": json.loads(row["body"]), "shown": bool(row["shown"])}


def follower(sandbox: Any, appid: str, user_id: str) -> dict[str, Any] | None:
    row = sandbox.state.one("SELECT * FROM mp_followers WHERE appid = ? AND user_id = ?", (appid, user_id))
    return dict(row) if row else None


def is_following(sandbox: Any, appid: str, user_id: str) -> bool:
    return bool(
        sandbox.state.scalar(
            "SELECT subscribed FROM mp_followers WHERE appid = ? AND user_id = ?", (appid, user_id)
        )
    )


def set_following(
    sandbox: Any,
    appid: str,
    user_id: str,
    following: bool,
    *,
    scene: str = "",
    qr_scene: int = 0,
    qr_scene_str: str = "",
) -> bool:
    """Change the follow state; returns False when it was already so (no event to push then)."""
    now = sandbox.clock.now()
    with sandbox.state.transaction():
        sandbox.state.execute(
            "INSERT INTO mp_followers (appid, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", (appid, user_id)
        )
        if following:
            cur = sandbox.state.execute(
                "UPDATE mp_followers SET subscribed = 1, subscribe_time = ?, subscribe_scene = ?, qr_scene = ?,"
                " qr_scene_str = ? WHERE appid = ? AND user_id = ? AND subscribed = 0",
                (now, scene, qr_scene, qr_scene_str, appid, user_id),
            )
        else:
            cur = sandbox.state.execute(
                "UPDATE mp_followers SET subscribed = 0, unsubscribe_time = ? WHERE appid = ? AND user_id = ?"
                " AND subscribed = 1",
                (now, appid, user_id),
            )
            cs_windows.close_all(sandbox, appid, user_id)
    return cur.rowcount == 1


def touch_interaction(sandbox: Any, appid: str, user_id: str, kind: str = "message") -> None:
    """The user did ``kind`` (a cs_windows action: message, menu, subscribe, scan, payment…): record it and
    open that action's customer-service window."""
    with sandbox.state.transaction():
        sandbox.state.execute(
            "INSERT INTO mp_followers (appid, user_id, last_interaction) VALUES (?, ?, ?)"
            " ON CONFLICT (appid, user_id) DO UPDATE SET last_interaction = excluded.last_interaction",
            (appid, user_id, sandbox.clock.now()),
        )
        cs_windows.open_window(sandbox, appid, user_id, kind)
