"""Shared storage for credentials (access_token, jsapi_ticket): the database by default, Redis when
`REDIS_URL` is set (or `WECHAT_CREDENTIAL_STORE` says so).

Both stores offer the same five operations, each atomic on its own:

  read(appid, kind)                       the current record or None
  try_lock(appid, kind, owner, ttl)       take the refresher's lease if free or run out
  save(appid, kind, owner, value, …)      publish a fetched value, only while `owner` holds the lease
  release(appid, kind, owner, …)          give the lease up after a failed fetch (optionally backing off)
  expire_if(appid, kind, value)           compare-and-expire: mark `value` expired only if still current

A refresher killed mid-fetch leaves its lease behind; it runs out after `ttl` and the next caller takes it.
Times are epoch seconds (float).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from django.conf import settings
from django.db.models import F, Q


@dataclass(frozen=True)
class Record:
    value: str
    expires_at: float
    refresh_at: float
    version: int
    locked_until: float = 0.0
    backoff_until: float = 0.0
    last_errcode: int = 0


class Store(Protocol):
    def read(self, appid: str, kind: str) -> Record | None: ...
    def try_lock(self, appid: str, kind: str, owner: str, ttl: float) -> bool: ...
    def save(
        self, appid: str, kind: str, owner: str, value: str, expires_at: float, refresh_at: float
    ) -> bool: ...
    def release(
        self, appid: str, kind: str, owner: str, *, backoff_until: float = 0.0, errcode: int = 0
    ) -> None: ...
    def expire_if(self, appid: str, kind: str, value: str) -> bool: ...
    def forget(self, appid: str) -> None: ...


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _epoch(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0


class DbStore:
    """One `Credential` row per (appid, kind), changed only by guarded UPDATEs. The lease is a column,
    not a transaction held open across the HTTP fetch (which would block every SQLite writer)."""

    def _rows(self, appid: str, kind: str):
        from wxmall.wechat.models import Credential

        return Credential.objects.filter(appid=appid, kind=kind)

    def read(self, appid: str, kind: str) -> Record | None:
        row = (
            self._rows(appid, kind)
            .values_list(
                "value",
                "expires_at",
                "refresh_at",
                "version",
                "locked_until",
                "backoff_until",
                "last_errcode",
            )
            .first()
        )
        if row is None:
            return None
        value, expires_at, refresh_at, version, locked_until, backoff_until, errcode = row
        return Record(
            value,
            _epoch(expires_at),
            _epoch(refresh_at),
            version,
            _epoch(locked_until),
            _epoch(backoff_until),
            errcode,
        )

    def try_lock(self, appid: str, kind: str, owner: str, ttl: float) -> bool:
        from wxmall.wechat.models import Credential

        now = time.time()
        rows = self._rows(appid, kind)
        if not rows.exists():
            Credential.objects.bulk_create([Credential(appid=appid, kind=kind)], ignore_conflicts=True)
        free = Q(locked_until__isnull=True) | Q(locked_until__lte=_dt(now))
        return rows.filter(free).update(lock_owner=owner, locked_until=_dt(now + ttl)) == 1

    def save(
        self, appid: str, kind: str, owner: str, value: str, expires_at: float, refresh_at: float
    ) -> bool:
        return (
            self._rows(appid, kind)
            .filter(lock_owner=owner)
            .update(
                value=value,
                expires_at=_dt(expires_at),
                refresh_at=_dt(refresh_at),
                version=F("version") + 1,
                fetched_at=_dt(time.time()),
                lock_owner="",
                locked_until=None,
                backoff_until=None,
                last_errcode=0,
            )
            == 1
        )

    def release(
        self, appid: str, kind: str, owner: str, *, backoff_until: float = 0.0, errcode: int = 0
    ) -> None:
        self._rows(appid, kind).filter(lock_owner=owner).update(
            lock_owner="",
            locked_until=None,
            backoff_until=_dt(backoff_until) if backoff_until else None,
            last_errcode=errcode,
        )

    def expire_if(self, appid: str, kind: str, value: str) -> bool:
        now = _dt(time.time())
        return (
            self._rows(appid, kind)
            .filter(value=value, expires_at__gt=now)
            .update(expires_at=now, refresh_at=now)
            == 1
        )

    def forget(self, appid: str) -> None:
        """Drop every credential of `appid` (its secret changed, or a test starts afresh)."""
        from wxmall.wechat.models import Credential

        Credential.objects.filter(appid=appid).delete()


# KEYS[1] record hash, KEYS[2] lock key; ARGV: owner, value, expires_at, refresh_at, fetched_at
_SAVE = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'expires_at', ARGV[3], 'refresh_at', ARGV[4],
           'fetched_at', ARGV[5], 'backoff_until', '0', 'last_errcode', '0')
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('DEL', KEYS[2])
return 1
"""
# KEYS[1] record hash, KEYS[2] lock key; ARGV: owner, backoff_until, errcode
_RELEASE = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'backoff_until', ARGV[2], 'last_errcode', ARGV[3])
redis.call('DEL', KEYS[2])
return 1
"""
# KEYS[1] record hash; ARGV: value, now
_EXPIRE_IF = """
if redis.call('HGET', KEYS[1], 'value') ~= ARGV[1] then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'expires_at') or '0') <= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'expires_at', ARGV[2], 'refresh_at', ARGV[2])
return 1
"""


class RedisStore:
    """A hash per credential and a `SET NX PX` lease beside it; the conditional writes are Lua scripts,
    so they are atomic in Redis."""

    def __init__(self, url: str, prefix: str = "wxmall:wechat") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix
        self._save = self._redis.register_script(_SAVE)
        self._release = self._redis.register_script(_RELEASE)
        self._expire_if = self._redis.register_script(_EXPIRE_IF)

    def _keys(self, appid: str, kind: str) -> tuple[str, str]:
        key = f"{self._prefix}:{kind}:{appid}"
        return key, key + ":lock"

    def read(self, appid: str, kind: str) -> Record | None:
        key, lock = self._keys(appid, kind)
        pipe = self._redis.pipeline(transaction=False)
        pipe.hgetall(key)
        pipe.pttl(lock)
        data, lock_ms = pipe.execute()
        locked_until = time.time() + lock_ms / 1000 if lock_ms and lock_ms > 0 else 0.0
        if not data and not locked_until:
            return None
        d = {k.decode(): v.decode() for k, v in data.items()}
        return Record(
            value=d.get("value", ""),
            expires_at=float(d.get("expires_at", 0)),
            refresh_at=float(d.get("refresh_at", 0)),
            version=int(d.get("version", 0)),
            locked_until=locked_until,
            backoff_until=float(d.get("backoff_until", 0)),
            last_errcode=int(d.get("last_errcode", 0)),
        )

    def try_lock(self, appid: str, kind: str, owner: str, ttl: float) -> bool:
        _, lock = self._keys(appid, kind)
        return bool(self._redis.set(lock, owner, nx=True, px=max(1, int(ttl * 1000))))

    def save(
        self, appid: str, kind: str, owner: str, value: str, expires_at: float, refresh_at: float
    ) -> bool:
        return bool(
            self._save(keys=self._keys(appid, kind), args=[owner, value, expires_at, refresh_at, time.time()])
        )

    def release(
        self, appid: str, kind: str, owner: str, *, backoff_until: float = 0.0, errcode: int = 0
    ) -> None:
        self._release(keys=self._keys(appid, kind), args=[owner, backoff_until, errcode])

    def expire_if(self, appid: str, kind: str, value: str) -> bool:
        key, _ = self._keys(appid, kind)
        return bool(self._expire_if(keys=[key], args=[value, time.time()]))

    def forget(self, appid: str) -> None:
        from wxmall.wechat.models import CredentialKind

        self._redis.delete(*[k for kind in CredentialKind.values for k in self._keys(appid, kind)])


def store_from_settings() -> Store:
    choice = settings.WECHAT_CREDENTIAL_STORE
    if choice == "redis" or (choice == "auto" and settings.REDIS_URL):
        return RedisStore(settings.REDIS_URL)
    return DbStore()
