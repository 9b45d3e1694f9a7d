"""Simulated WeChat users: a stable internal id, a per-appid openid and a per-open-platform unionid.

OpenIDs and UnionIDs are derived with HMAC from a per-sandbox seed (persisted in the state DB), so they look
like WeChat's (28 chars, leading ``o``), are stable across restarts of a file-backed sandbox, and differ
between apps. Reverse lookups (openid → user) go through the ``user_openids`` table filled on derivation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from wxsandbox.clock import Clock
from wxsandbox.config import SandboxConfig, UserConfig
from wxsandbox.state import State

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id          TEXT PRIMARY KEY,
    nickname    TEXT NOT NULL,
    avatar_url  TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    sex         INTEGER NOT NULL DEFAULT 0,
    province    TEXT NOT NULL DEFAULT '',
    city        TEXT NOT NULL DEFAULT '',
    country     TEXT NOT NULL DEFAULT '',
    language    TEXT NOT NULL DEFAULT 'zh_CN',
    created_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS user_openids (
    appid    TEXT NOT NULL,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    openid   TEXT NOT NULL,
    PRIMARY KEY (appid, user_id),
    UNIQUE (appid, openid)
);
"""

_SEED_KEY = "secret:users:id_seed"
USER_FIELDS = ("id", "nickname", "avatar_url", "phone", "sex", "province", "city", "country", "language")


class UnknownUser(LookupError):
    pass


class Users:
    def __init__(self, state: State, clock: Clock, config: SandboxConfig) -> None:
        self._state = state
        self._clock = clock
        self._config = config
        state.apply_schema(SCHEMA)
        seed = state.get_meta(_SEED_KEY)
        if not seed:
            seed = secrets.token_hex(16)
            state.set_meta(_SEED_KEY, seed)
        self._seed = seed.encode()
        for user in config.users:
            self.ensure(user)

    # -- identity -----------------------------------------------------------------------------------------
    def _derive(self, label: str) -> str:
        digest = hmac.new(self._seed, label.encode(), hashlib.sha256).digest()
        return "o" + base64.urlsafe_b64encode(digest).decode()[:27]

    def openid(self, user_id: str, appid: str) -> str:
        """The user's openid under ``appid`` (recorded for reverse lookup)."""
        openid = self._derive(f"openid:{appid}:{user_id}")
        self._state.execute(
            "INSERT OR IGNORE INTO user_openids (appid, user_id, openid) VALUES (?, ?, ?)",
            (appid, user_id, openid),
        )
        return openid

    def virtual_openid(self, user_id: str, appid: str) -> str:
        """The openid of the virtual account a snapshot page shows ``user_id`` as (never a real user's)."""
        return self._derive(f"snapshot:{appid}:{user_id}")

    def unionid(self, user_id: str, appid: str) -> str | None:
        """The user's unionid as seen by ``appid``; None when the app is not bound to an open platform."""
        app = self._config.app(appid)
        if app is None or not app.open_platform:
            return None
        return self._derive(f"unionid:{app.open_platform}:{user_id}")

    def by_openid(self, appid: str, openid: str) -> dict[str, Any] | None:
        row = self._state.one(
            "SELECT u.* FROM users u JOIN user_openids o ON o.user_id = u.id WHERE o.appid = ? AND o.openid = ?",
            (appid, openid),
        )
        return dict(row) if row else None

    # -- records ------------------------------------------------------------------------------------------
    def ensure(self, user: UserConfig) -> None:
        """Insert a configured user if absent (config users are seeded at start)."""
        self._state.execute(
            "INSERT OR IGNORE INTO users (id, nickname, avatar_url, phone, sex, province, city, country, language,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user.id,
                user.nickname,
                user.avatar_url,
                user.phone,
                user.sex,
                user.province,
                user.city,
                user.country,
                user.language,
                self._clock.now(),
            ),
        )

    def create(self, nickname: str, user_id: str | None = None, **fields: Any) -> dict[str, Any]:
        """Create a user; raises ValueError for a duplicate id or unknown field."""
        unknown = set(fields) - set(USER_FIELDS)
        if unknown:
            raise ValueError(f"unknown user fields {sorted(unknown)}")
        if not nickname or not isinstance(nickname, str):
            raise ValueError("nickname is required")
        user_id = user_id or "u" + secrets.token_hex(6)
        if self.get(user_id) is not None:
            raise ValueError(f"user {user_id} already exists")
        self.ensure(UserConfig(id=user_id, nickname=nickname, **fields))
        return self.get(user_id)

    def get(self, user_id: str) -> dict[str, Any] | None:
        row = self._state.one("SELECT * FROM users WHERE id = ?", (user_id,))
        return dict(row) if row else None

    def require(self, user_id: str) -> dict[str, Any]:
        user = self.get(user_id)
        if user is None:
            raise UnknownUser(user_id)
        return user

    def list(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._state.query("SELECT * FROM users ORDER BY created_at, id")]

    def describe(self, user_id: str) -> dict[str, Any]:
        """The user with their openid/unionid under every configured app (for the control API)."""
        user = self.require(user_id)
        user["identities"] = [
            {
                "appid": app.appid,
                "kind": app.kind,
                "openid": self.openid(user_id, app.appid),
                "unionid": self.unionid(user_id, app.appid),
            }
            for app in self._config.apps
        ]
        return user
