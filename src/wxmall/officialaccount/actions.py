"""State changes of the Official Account side, one transaction each.

`receive` stores a push and decides its passive reply inside the request WeChat waits on; everything
else a push causes (followers, tags, membership, attribution) is `process`, run by a Celery task after
the push is stored, so a slow database write or WeChat call never holds up the answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from wxmall.accounts.actions import login_wechat
from wxmall.accounts.points import join_on_follow
from wxmall.celery import app as celery_app
from wxmall.wechat import client
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WeChatError

from . import events, fast, hooks, notify, render, replies, scenes
from . import xml as wxml
from .models import Follower, FollowerEvent, InboundMessage

logger = logging.getLogger(__name__)
PROCESS_TASK = "wxmall.officialaccount.process_inbound"  # tasks.process_inbound, named to avoid a cycle


@dataclass(frozen=True)
class Received:
    inbound: InboundMessage | None  # None when spooled (the fast path): the drain stores it
    reply: str  # passive reply XML (plain), "" means answer `success`
    duplicate: bool


def dedupe_key(fields: dict[str, str]) -> str:
    """MsgId for messages; FromUserName + CreateTime for events (reference §2.6). The event name is part
    of an event's key too: a user's subscribe and the CLICK that follows can share one second."""
    if fields.get("MsgId"):
        return f"msg:{fields['MsgId']}"
    key = f"evt:{fields.get('FromUserName', '')}:{fields.get('CreateTime', '')}:{fields.get('Event', '')}"
    if fields.get("MsgID"):  # delivery reports (TEMPLATESENDJOBFINISH) of two messages can share a second
        key += f":{fields['MsgID']}"
    return key[:160]


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _values(appid: str, fields: dict[str, str], raw: str, mode: str) -> dict:
    return dict(
        appid=appid,
        dedupe_key=dedupe_key(fields),
        openid=fields.get("FromUserName", "")[:64],
        msg_type=fields.get("MsgType", "")[:32],
        event=fields.get("Event", "")[:64],
        event_key=fields.get("EventKey", "")[:1024],
        msg_id=_int(fields.get("MsgId", "") or fields.get("MsgID", "")),
        content=fields.get("Content", "") if fields.get("MsgType") == "text" else "",
        create_time=_int(fields.get("CreateTime", "")) or 0,
        mode=mode,
        raw=raw,
    )


def receive(appid: str, fields: dict[str, str], raw: str, mode: str) -> Received:
    """Store the push once and choose its reply. A re-send gets the reply the first delivery got.

    A rule's reply has no side effects, so it is computed first. With Redis, a push whose answer needs
    no database (a rule matched, an event, or a text every fallback could answer from memory, see
    hooks.FastText) takes the fast path: no SQL in the request. Anything else (no Redis; a fallback that
    needs the database; Redis or the spool failing) is written to the database here, as before."""
    values = _values(appid, fields, raw, mode)
    now = timezone.now()
    message = InboundMessage(**values, received_at=now)
    reply = replies.rule_reply(message)
    notes: list = []
    if fast.enabled():
        if not reply and values["msg_type"] == "text" and hooks.text_fallbacks():
            decided = _fast_fallbacks(message)
            reply, notes = decided if decided is not None else ("", None)
        if notes is not None:
            received = fast.receive(values, reply, now, notes)
            if received is not None:
                duplicate, first_reply = received
                return Received(None, first_reply, duplicate=duplicate)
    return _receive_in_database(values, reply, now)


def _text(inbound: InboundMessage) -> hooks.InboundText:
    return hooks.InboundText(
        appid=inbound.appid,
        openid=inbound.openid,
        text=inbound.content,
        msg_id=inbound.msg_id or 0,
        received_at=inbound.received_at,
    )


def _fast_fallbacks(inbound: InboundMessage) -> tuple[str, list] | None:
    """(reply, notes) from the fallbacks' fast variants, or None when one needs the database."""
    variants = hooks.fast_text_fallbacks()
    if variants is None:
        return None
    text, notes = _text(inbound), []
    for answer, apply in variants:
        try:
            got = answer(text)
        except Exception:  # the database path runs the fallback itself, with its own error handling
            logger.exception("OA fast fallback %s failed", getattr(answer, "__qualname__", answer))
            return None
        if got is None:
            return None
        notes.append([_name(apply), got.note])
        if got.reply is not None:
            return render.text(inbound, got.reply), notes
    return "", notes


def _name(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def _apply_notes(stored: list[tuple[InboundMessage, list]]) -> None:
    """Run the fallbacks' `apply` for spooled texts (in the drain), a batch per fallback. A batch that
    fails is retried one push at a time, so one bad push costs only its own note (logged: the push
    itself is stored already)."""
    applies = {_name(apply): apply for _, apply in hooks.fast_text_fallbacks() or ()}
    batches: dict[str, list[tuple[hooks.InboundText, dict]]] = {}
    for inbound, notes in stored:
        for name, note in notes:
            if name not in applies:
                logger.error("OA push %s: no fast fallback %s to apply its note", inbound.dedupe_key, name)
                continue
            batches.setdefault(name, []).append((_text(inbound), note))
    for name, items in batches.items():
        try:
            applies[name](items)
        except Exception:
            logger.warning("OA spool: %s failed on a batch, applying one by one", name, exc_info=True)
            for item in items:
                try:
                    applies[name]([item])
                except Exception:
                    logger.exception("OA push from %s: applying %s failed", item[0].openid, name)


def _receive_in_database(values: dict, reply: str, now: datetime) -> Received:
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(**values, reply=reply, received_at=now)
    except IntegrityError:
        existing = InboundMessage.objects.get(appid=values["appid"], dedupe_key=values["dedupe_key"])
        return Received(existing, existing.reply, duplicate=True)
    if not reply:
        # Fallbacks may queue work (a hand-off): only for a push stored just now, never for a re-send.
        reply = replies.fallback_reply(inbound)
        if reply:
            InboundMessage.objects.filter(pk=inbound.pk).update(reply=reply)
    if inbound.msg_type == "event":
        # Follows, scans and delivery reports are worth applying now; a message only moves the follower's
        # last interaction, which the sweep does within 30 s (a kick costs ~5 ms of the answer).
        transaction.on_commit(lambda: kick_process(inbound.pk), robust=True)
    return Received(inbound, reply, duplicate=False)


def store_spooled(records: list[dict]) -> int:
    """Insert a batch of spooled pushes (the drain's handler); returns how many it handled. Idempotent:
    a push already stored (a re-drain after a crash, or one a fallback path wrote) is left alone by the
    unique (appid, dedupe_key), and only pushes still unprocessed are kicked."""
    rows = [fast.row(record) for record in records]
    with transaction.atomic():
        InboundMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    _apply_notes(
        [(row, record["notes"]) for row, record in zip(rows, records, strict=True) if record.get("notes")]
    )
    events: dict[str, set[str]] = {}
    for row in rows:
        if row.msg_type == "event":
            events.setdefault(row.appid, set()).add(row.dedupe_key)
    kicked = 0
    for appid, keys in events.items():
        pending = InboundMessage.objects.filter(
            appid=appid, dedupe_key__in=keys, processed_at__isnull=True
        ).values_list("id", flat=True)
        for inbound_id in pending:
            try:
                kick_process(inbound_id)
                kicked += 1
            except Exception:  # broker unreachable: the sweep processes it within its period
                logger.warning("OA push %s: process kick lost", inbound_id, exc_info=True)
    return len(rows)


def drain_spool(settle_seconds: float | None = None, *, wait: bool = False):
    """Drain this host's push spool into the database (the worker's task; tests call it directly)."""
    from . import spool

    kwargs = {} if settle_seconds is None else {"settle_seconds": settle_seconds}
    return spool.drain(store_spooled, wait=wait, **kwargs)


def kick_process(inbound_id: int) -> None:
    """Ask a worker to process the push now; if the broker is unreachable the sweep does it later."""
    celery_app.signature(PROCESS_TASK, args=(inbound_id,)).apply_async(expires=300)


def _field(raw: str, name: str) -> str:
    try:
        return wxml.parse(raw).get(name, "")
    except wxml.BadXml:
        return ""


def _follower(inbound: InboundMessage) -> Follower:
    follower, _ = Follower.objects.get_or_create(appid=inbound.appid, openid=inbound.openid)
    return follower


def _pushed_at(inbound: InboundMessage) -> datetime:
    return datetime.fromtimestamp(inbound.create_time, tz=UTC) if inbound.create_time else inbound.received_at


def _unionid(inbound_id: int) -> str | None:
    """A new follower's unionid, asked of WeChat before the transaction (never hold a lock over a call)."""
    inbound = InboundMessage.objects.filter(pk=inbound_id, processed_at__isnull=True).first()
    if inbound is None or inbound.event != "subscribe" or not inbound.openid:
        return None
    try:
        return client("oa").user.info(inbound.openid).get("unionid") or None
    except (WeChatError, NotConfigured):
        return None  # membership still joins; the unionid arrives with the customer's first login


def process(inbound_id: int) -> bool:
    """Apply what a stored push means, once: the guarded UPDATE claims it, so two workers (or a re-run)
    never apply it twice. Returns whether this call did the work."""
    unionid = _unionid(inbound_id)
    now = timezone.now()
    with transaction.atomic():
        claimed = InboundMessage.objects.filter(pk=inbound_id, processed_at__isnull=True).update(
            processed_at=now
        )
        if not claimed:
            return False
        inbound = InboundMessage.objects.get(pk=inbound_id)
        if not inbound.openid:
            return True
        _apply(inbound, unionid)
    return True


def _apply(inbound: InboundMessage, unionid: str | None) -> None:
    follower = _follower(inbound)
    at = _pushed_at(inbound)
    # Only ever move forward: an old push processed late does not overwrite newer state.
    Follower.objects.filter(pk=follower.pk).filter(
        Q(last_interaction_at__isnull=True) | Q(last_interaction_at__lt=at)
    ).update(last_interaction_at=at)
    event = inbound.event
    if inbound.msg_type == "event" and event == "subscribe":
        Follower.objects.filter(pk=follower.pk).update(subscribed=True, last_subscribed_at=at)
        Follower.objects.filter(pk=follower.pk, first_subscribed_at__isnull=True).update(
            first_subscribed_at=at
        )
        events.record(follower, FollowerEvent.Kind.SUBSCRIBED, inbound=inbound)
        _join_membership(follower, inbound, unionid)
    elif inbound.msg_type == "event" and event == "unsubscribe":
        Follower.objects.filter(pk=follower.pk).update(subscribed=False, unsubscribed_at=at)
        events.record(follower, FollowerEvent.Kind.UNSUBSCRIBED, inbound=inbound)
    elif inbound.msg_type == "event" and event == "TEMPLATESENDJOBFINISH":
        notify.record_job_finish(inbound.msg_id, _field(inbound.raw, "Status"))
    elif inbound.msg_type == "event" and event in ("CLICK", "VIEW", "view_miniprogram"):
        events.record(follower, FollowerEvent.Kind.CLICKED, inbound.event_key[:200], inbound=inbound)
    scene = scenes.scene_of(inbound)
    if scene:
        scenes.apply_scene(follower, scene, inbound)
    if inbound.msg_type == "event":
        _run_event_handlers(inbound)


def _run_event_handlers(inbound: InboundMessage) -> None:
    """Other apps' handlers of this event (e.g. invoicing's user_authorize_invoice), see `hooks`."""
    handlers = hooks.event_handlers(inbound.event)
    if not handlers:
        return
    try:
        fields = wxml.parse(inbound.raw)
    except wxml.BadXml:
        fields = {}
    event = hooks.InboundEvent(inbound.appid, inbound.openid, inbound.event, fields)
    for handler in handlers:
        handler(event)


def _join_membership(follower: Follower, inbound: InboundMessage, unionid: str | None) -> None:
    """Following makes the follower a customer (their WeChat identity, by unionid when WeChat gives one)
    and a member."""
    customer = login_wechat(appid=inbound.appid, openid=inbound.openid, kind="oa", unionid=unionid)
    Follower.objects.filter(pk=follower.pk).update(customer=customer)
    join_on_follow(customer)
    events.record(follower, FollowerEvent.Kind.JOINED, inbound=inbound)


def process_pending(limit: int = 500) -> int:
    """Process pushes whose task kick was lost (broker down, worker restart)."""
    ids = list(
        InboundMessage.objects.filter(processed_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    done = 0
    for inbound_id in ids:
        try:
            done += process(inbound_id)
        except Exception:  # one bad push must not stop the sweep; it is retried next sweep
            logger.exception("processing OA push %s failed", inbound_id)
    return done
