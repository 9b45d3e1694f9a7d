"""One access_token (and one jsapi_ticket) per appid for the whole deployment.

    client.tokens.access_token()      the current token, fetched with /cgi-bin/stable_token when due
    client.tokens.expire(token)       compare-and-expire after WeChat refused `token` (40001/42001)
    client.tickets.get()              the jsapi_ticket, the same way (/cgi-bin/ticket/getticket)

How it stays one token whatever the number of processes and hosts:

* The value lives in shared storage (`stores.py`: the database, or Redis). Each process keeps a copy
  only until the record's `refresh_at`, then reads storage again.
* When the record is due (missing, expired, or inside the refresh-ahead window), the caller that wins the
  lease fetches; the others keep using the still-valid value, or wait for the winner when there is none.
  The lease has a TTL, so a refresher killed mid-fetch delays the others by at most that long.
* stable_token returns the same token while it has more than 5 minutes left and rotates within the last
  5, keeping the old one valid until its expiry (reference §3.2). So the refresh-ahead window must be
  shorter than 300 s (WECHAT_TOKEN_REFRESH_AHEAD_SECONDS, default 240): a fetch inside it gets the new
  token, and the old one serves the other processes meanwhile without any 40001.
* If a fetch returns the value already stored (WeChat did not rotate, e.g. the jsapi_ticket, which is
  the same until it expires), the next refresh is at its real expiry, so there is no fetch loop.
* On 40001/42001 a caller calls `expire(failed_value)`: the record is expired only if it still holds
  that value, so a thousand callers with the same stale token cause one refresh, not a thousand.
* 45009 (daily quota) and 45011 set a back-off on the record: nobody fetches again until it ends, and
  callers without a valid token get a QuotaError at once instead of looping.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings

from wxmall.wechat.errors import QuotaError, TransportError
from wxmall.wechat.stores import Record, Store

logger = logging.getLogger(__name__)

Fetch = Callable[[], tuple[str, int]]  # → (value, expires_in seconds)


class CredentialService:
    """The shared credential of one kind for one appid. Thread-safe: the only per-process state is the
    last record read, replaced as a whole."""

    def __init__(self, appid: str, kind: str, fetch: Fetch, store: Store, *, refresh_ahead: float) -> None:
        self.appid = appid
        self.kind = kind
        self._fetch = fetch
        self._store = store
        self._ahead = refresh_ahead
        self._local: Record | None = None

    # -- reading ---------------------------------------------------------------------------------------
    def get(self) -> str:
        local = self._local
        if local is not None and time.time() < local.refresh_at:
            return local.value
        return self._get_slow()

    def _get_slow(self) -> str:
        lock_ttl = settings.WECHAT_TOKEN_LOCK_SECONDS
        # The holder may need its whole HTTP timeout, or die and leave the lease to run out first.
        deadline = time.monotonic() + lock_ttl + 2 * settings.WECHAT_HTTP_TIMEOUT_SECONDS + 1
        while True:
            record = self._store.read(self.appid, self.kind)
            now = time.time()
            if record is not None and record.value and now < record.refresh_at:
                self._local = record
                return record.value
            usable = record is not None and record.value and now < record.expires_at
            if record is not None and now < record.backoff_until:
                if usable:
                    return record.value
                raise QuotaError(
                    record.last_errcode or 45009, "凭证获取处于退避期", api=self.kind, appid=self.appid
                )
            owner = uuid.uuid4().hex
            if self._store.try_lock(self.appid, self.kind, owner, lock_ttl):
                fresh = self._fresh_after_lock(owner)
                return fresh.value if fresh is not None else self._refresh(owner, record)
            if usable:  # another process is refreshing; the current value is still good meanwhile
                return record.value
            if time.monotonic() > deadline:
                raise TransportError("等待其他进程刷新凭证超时", api=self.kind, appid=self.appid)
            time.sleep(settings.WECHAT_TOKEN_POLL_SECONDS)

    # -- refreshing ------------------------------------------------------------------------------------
    def _refresh(self, owner: str, previous: Record | None) -> str:
        try:
            value, expires_in = self._fetch()
        except QuotaError as exc:
            backoff = settings.WECHAT_QUOTA_BACKOFF_SECONDS
            self._store.release(
                self.appid, self.kind, owner, backoff_until=time.time() + backoff, errcode=exc.errcode
            )
            logger.warning(
                "%s %s quota exhausted (%s); backing off %ss", self.appid, self.kind, exc.errcode, backoff
            )
            raise
        except BaseException:
            self._store.release(self.appid, self.kind, owner)
            raise
        now = time.time()
        expires_at = now + max(int(expires_in), 0)
        rotated = previous is None or previous.value != value
        refresh_at = expires_at - self._ahead if rotated else expires_at
        refresh_at = max(refresh_at, min(now + 1, expires_at))
        if not self._store.save(self.appid, self.kind, owner, value, expires_at, refresh_at):
            logger.warning("%s %s: lease lost during refresh; not publishing", self.appid, self.kind)
            return value
        self._local = Record(value, expires_at, refresh_at, (previous.version if previous else 0) + 1)
        logger.info("%s %s refreshed (expires in %ss)", self.appid, self.kind, expires_in)
        return value

    def refresh_if_due(self) -> bool:
        """For the beat task: fetch now if inside the refresh-ahead window. Returns whether it fetched."""
        record = self._store.read(self.appid, self.kind)
        now = time.time()
        if record is not None and record.value and now < record.refresh_at:
            return False
        if record is not None and now < record.backoff_until:
            return False
        owner = uuid.uuid4().hex
        if not self._store.try_lock(self.appid, self.kind, owner, settings.WECHAT_TOKEN_LOCK_SECONDS):
            return False
        if self._fresh_after_lock(owner) is not None:
            return False
        self._refresh(owner, record)
        return True

    def _fresh_after_lock(self, owner: str) -> Record | None:
        """Read again under the lease: a refresher that finished between our read and our lock already
        fetched, and a second fetch would only waste quota. Returns the fresh record (lease released)."""
        record = self._store.read(self.appid, self.kind)
        if record is not None and record.value and time.time() < record.refresh_at:
            self._store.release(self.appid, self.kind, owner)
            self._local = record
            return record
        return None

    def expire(self, value: str) -> bool:
        """WeChat refused `value`: expire it if it is still the current one. Always drops the local copy."""
        self._local = None
        return self._store.expire_if(self.appid, self.kind, value)

    def current(self) -> Record | None:
        return self._store.read(self.appid, self.kind)
