"""Single-use codes: web OAuth codes, ``wx.login`` js_codes, phone-number codes and consent tickets.

Each code belongs to one (kind, appid, user), lives a few minutes on the sandbox clock and is consumed by a
guarded UPDATE (``… WHERE used_at IS NULL``), so two concurrent exchanges of one code cannot both win.

One consumed-code rule for every login code: a code presented again answers ``40163 code been used``, as
WeChat does for both the web OAuth code and the Mini Program ``js_code`` (an unknown code, or one of another
appid, is ``40029 invalid code``). Callers override the codes where WeChat documents others (an expired
OAuth code is 42003; the phone-number code documents only 40029).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from wxsandbox.mp.errors import WxError

SCHEMA = """
CREATE TABLE IF NOT EXISTS mp_codes (
    code        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,          -- oauth | jscode | phone | consent
    appid       TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    scope       TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}',
    created_at  REAL NOT NULL,
    expires_at  REAL NOT NULL,
    used_at     REAL
);
"""


def issue(
    sandbox: Any,
    kind: str,
    appid: str,
    user_id: str,
    ttl: float,
    *,
    scope: str = "",
    data: dict[str, Any] | None = None,
    length: int = 32,
) -> str:
    code = secrets.token_hex(length // 2)
    now = sandbox.clock.now()
    sandbox.state.execute(
        "INSERT INTO mp_codes (code, kind, appid, user_id, scope, data, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (code, kind, appid, user_id, scope, json.dumps(data or {}, ensure_ascii=False), now, now + ttl),
    )
    return code


def consume(
    sandbox: Any,
    kind: str,
    code: Any,
    appid: str,
    *,
    invalid: int = 40029,
    used: int = 40163,
    expired: int = 40029,
) -> dict[str, Any]:
    """Mark the code used and return it; raises the given errcodes for unknown/used/expired codes."""
    if not isinstance(code, str) or not code:
        raise WxError(invalid)
    with sandbox.state.transaction():
        row = sandbox.state.one("SELECT * FROM mp_codes WHERE code = ? AND kind = ?", (code, kind))
        if row is None or row["appid"] != appid:
            raise WxError(invalid)
        if row["used_at"] is not None:
            raise WxError(used)
        now = sandbox.clock.now()
        if row["expires_at"] <= now:
            raise WxError(expired)
        cur = sandbox.state.execute(
            "UPDATE mp_codes SET used_at = ? WHERE code = ? AND used_at IS NULL", (now, code)
        )
        if cur.rowcount != 1:
            raise WxError(used)
    return dict(row) | {"data": json.loads(row["data"])}
