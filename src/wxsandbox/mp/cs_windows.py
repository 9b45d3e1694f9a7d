"""Customer-service send windows: which user action allows how many ``custom/send`` messages for how long.

The reference's current rule table (wechat-kf-security-shipping.md §2) is per user action, each with its own
window and count, independent of each other; a new action of the same kind restarts that window and its count:

=================  =========  ========  =====================================================================
action (kind)      messages   window    notes
=================  =========  ========  =====================================================================
``message``        5          48 h      the user sends anything (text, image, voice, location…)
``menu``           3          1 min     only menu types ``click``, ``scancode_push``, ``scancode_waitmsg``
``subscribe``      3          1 min     the user follows
``scan``           3          1 min     the user scans a parametric QR code
``payment``        5          48 h      unconfirmed (absent from the current table): configurable, 0 = none
``mp_message``     5          48 h      Mini Program: the user writes in the customer-service session
``mp_enter``       2          1 min     Mini Program: the user enters the session
=================  =========  ========  =====================================================================

``custom/send`` answers 45015 when no window is open and 45047 when windows are open but all used up. Which
open window a send consumes is unconfirmed (``custom_window_pick``): ``most_remaining`` (default) or
``soonest_expiry`` (spend the short windows first).
"""

from __future__ import annotations

from typing import Any

from wxsandbox.mp import settings as mp_settings
from wxsandbox.mp.errors import WxError

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_cs_windows (
    appid       TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    opened_at   REAL NOT NULL,
    expires_at  REAL NOT NULL,
    allowed     INTEGER NOT NULL,
    used        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (appid, user_id, kind)
);
"""

# Menu button types whose click opens the 3-in-1-minute window (others, e.g. view, do not).
MENU_KINDS_THAT_OPEN = frozenset({"click", "scancode_push", "scancode_waitmsg"})

_ORDER = {
    "most_remaining": "(allowed - used) DESC, expires_at DESC",
    "soonest_expiry": "expires_at ASC",
}


def open_window(sandbox: Any, appid: str, user_id: str, kind: str) -> None:
    """The user did ``kind``: (re)open that window with its full count (no-op for a 0-count kind)."""
    rule = mp_settings.load(sandbox).custom_windows.get(kind)
    if not rule or rule[0] <= 0:
        return
    count, seconds = rule
    now = sandbox.clock.now()
    sandbox.state.execute(
        "INSERT INTO mp_cs_windows (appid, user_id, kind, opened_at, expires_at, allowed, used)"
        " VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (appid, user_id, kind) DO UPDATE SET"
        " opened_at = excluded.opened_at, expires_at = excluded.expires_at, allowed = excluded.allowed,"
        " used = 0",
        (appid, user_id, kind, now, now + seconds, count),
    )


def close_all(sandbox: Any, appid: str, user_id: str) -> None:
    """Unfollowing ends every window (45015 afterwards, whatever was left)."""
    sandbox.state.execute("DELETE FROM mp_cs_windows WHERE appid = ? AND user_id = ?", (appid, user_id))


def spend(sandbox: Any, appid: str, user_id: str) -> str:
    """Consume one message of an open window (call inside the send's transaction); returns its kind."""
    settings = mp_settings.load(sandbox)
    now = sandbox.clock.now()
    rows = sandbox.state.query(
        "SELECT kind FROM mp_cs_windows WHERE appid = ? AND user_id = ? AND expires_at > ?"
        f" AND used < allowed ORDER BY {_ORDER[settings.custom_window_pick]}",
        (appid, user_id, now),
    )
    for row in rows:
        cur = sandbox.state.execute(
            "UPDATE mp_cs_windows SET used = used + 1 WHERE appid = ? AND user_id = ? AND kind = ?"
            " AND expires_at > ? AND used < allowed",
            (appid, user_id, row["kind"], now),
        )
        if cur.rowcount == 1:
            return row["kind"]
    any_open = sandbox.state.scalar(
        "SELECT COUNT(*) FROM mp_cs_windows WHERE appid = ? AND user_id = ? AND expires_at > ?",
        (appid, user_id, now),
    )
    raise WxError(45047 if any_open else 45015)


def is_open(sandbox: Any, appid: str, user_id: str) -> bool:
    return bool(
        sandbox.state.scalar(
            "SELECT COUNT(*) FROM mp_cs_windows WHERE appid = ? AND user_id = ? AND expires_at > ?",
            (appid, user_id, sandbox.clock.now()),
        )
    )


def windows(sandbox: Any, appid: str, user_id: str) -> list[dict[str, Any]]:
    """The open windows as the control API shows them (kind, remaining, expires_at)."""
    now = sandbox.clock.now()
    return [
        {"kind": r["kind"], "remaining": r["allowed"] - r["used"], "expires_at": r["expires_at"]}
        for r in sandbox.state.query(
            "SELECT kind, allowed, used, expires_at FROM mp_cs_windows WHERE appid = ? AND user_id = ?"
            " AND expires_at > ? ORDER BY kind",
            (appid, user_id, now),
        )
    ]
