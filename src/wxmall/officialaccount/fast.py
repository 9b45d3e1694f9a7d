"""The message server's fast path: a push whose reply needs no database (a keyword rule, the welcome, an
event answered `success`) is deduplicated in Redis and spooled (spool.py), with no SQL in the request.

De-duplication is one `SET key reply NX EX` with GET: the first delivery stores its reply, a re-send
(or a concurrent duplicate) gets that reply back. The database's unique (appid, dedupe_key) is the
final guard when the drain inserts: every delivery is spooled, duplicates included, and the insert keeps
one row. So if Redis loses its keys (restart, eviction, failover) a re-send is answered again — a
duplicate passive reply at worst — and a push is never lost by Redis, because the spool is not in
Redis. When Redis cannot be reached, `receive` returns None and the caller writes the push to the
database in the request.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

from wxmall.celery import app as celery_app
from wxmall.core.redis_client import client as shared_redis

from . import spool
from .models import InboundMessage

logger = logging.getLogger(__name__)
DRAIN_TASK = "wxmall.officialaccount.drain_spool"  # tasks.drain_spool, named to avoid a cycle
KICK_KEY = "officialaccount:spool:kick"
KICK_EVERY_MS = 1000  # at most one drain kick a second across all processes
REDIS_TIMEOUT_SECONDS = 0.5  # a hung Redis costs this much of WeChat's 5 s, then the database path


def redis_client():
    """The Redis of REDIS_URL (the fast path's; customer service keeps its fast state there too)."""
    return shared_redis(settings.REDIS_URL, REDIS_TIMEOUT_SECONDS)


def enabled() -> bool:
    return bool(settings.OA_FAST_PATH and settings.REDIS_URL)


def seen_key(appid: str, dedupe_key: str) -> str:
    return f"officialaccount:seen:{appid}:{dedupe_key}"


def receive(values: dict, reply: str, now: datetime, notes: list) -> tuple[bool, str] | None:
    """(duplicate, the reply to answer) once the push is spooled and deduplicated; None when the spool
    or Redis failed (the caller stores the push in the database instead, which is harmless if it was
    spooled too: the drain's insert keeps one row).

    The spool comes first: a process killed between the two steps has spooled the push, so WeChat's
    re-send (which the dedupe key, if set, answers without spooling) can never be the only trace of it.
    A duplicate is spooled too and dropped by the drain's insert. The drain kick's throttle rides in
    the dedupe's round trip."""
    record = {**values, "reply": reply, "received_at": now.timestamp(), "notes": notes}
    try:
        spool.append(record)
    except OSError:
        logger.exception("OA fast path: spool not writable, storing the push in the database")
        return None
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.set(
            seen_key(values["appid"], values["dedupe_key"]),
            reply.encode("utf-8"),
            nx=True,
            ex=settings.OA_DEDUPE_SECONDS,
            get=True,
        )
        pipe.set(KICK_KEY, b"1", nx=True, px=KICK_EVERY_MS)
        first, kick = pipe.execute()
    except Exception:
        logger.warning("OA fast path: Redis unavailable, storing the push in the database", exc_info=True)
        return None
    if first is not None:
        return True, first.decode("utf-8")
    if kick:
        kick_drain()
    return False, reply


def kick_drain() -> None:
    """Ask a worker to drain soon (at most once a KICK_EVERY_MS across processes: `receive` takes the
    turn); beat sweeps what a lost kick leaves (OA_SPOOL_DRAIN_INTERVAL_SECONDS)."""
    try:
        celery_app.signature(DRAIN_TASK).apply_async(expires=60)
    except Exception:
        logger.warning("OA spool: drain kick lost (beat drains it)", exc_info=True)


def row(record: dict) -> InboundMessage:
    """The InboundMessage a spooled record stands for (unsaved)."""
    fields = {name: record.get(name) for name in _FIELDS}
    received = record.get("received_at")
    at = datetime.fromtimestamp(received, tz=UTC) if received else timezone.now()
    return InboundMessage(**fields, received_at=at)


_FIELDS = (
    "appid",
    "dedupe_key",
    "openid",
    "msg_type",
    "event",
    "event_key",
    "msg_id",
    "content",
    "create_time",
    "mode",
    "raw",
    "reply",
)
