"""The content calendar: entries by hand, the seeds' rhythm as a generator, reminders before each entry.

Rhythm (settings, Beijing time): review videos on Tuesdays and Thursdays (CHANNELS_REVIEW_VIDEO_TIME),
live sessions on Saturday and Sunday evenings (CHANNELS_LIVE_TIME), and each promotion of
CHANNELS_PROMOTIONS warmed up CHANNELS_WARMUP_DAYS ahead. Generating twice over the same weeks adds
nothing (unique slot).

Reminders (the beat job, every minute): an entry starting within CHANNELS_REMIND_BEFORE_MINUTES is
claimed once by a guarded UPDATE, then gets a console notice and, when CHANNELS_STAFF_OPENID and
CHANNELS_STAFF_TEMPLATE_ID are set, an OA template message to that staff member; a live entry's
bookers get a subscribe message each (CHANNELS_LIVE_SUBSCRIBE_TEMPLATE_ID, the Mini Program's). All
messages are outbox rows written in the claiming transaction."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from wxmall.core.errors import DomainError
from wxmall.wechat.actions import queue_call

from ..errors import ChannelsError
from ..models import CalendarEntry, EntryKind, LiveBooking, LiveSession, StaffNotice

TUESDAY, THURSDAY, SATURDAY, SUNDAY = 1, 3, 5, 6


def _at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_current_timezone())


def promotions() -> list[tuple[str, int, int]]:
    """CHANNELS_PROMOTIONS "618=06-18,双11=11-11" → [(name, month, day)]; malformed items are skipped
    (settings.py validates the value at start-up)."""
    found = []
    for item in settings.CHANNELS_PROMOTIONS:
        name, _, when = item.partition("=")
        month, _, day = when.partition("-")
        if name.strip() and month.isdigit() and day.isdigit():
            found.append((name.strip(), int(month), int(day)))
    return found


def rhythm(start: date, days: int) -> list[tuple[str, str, datetime]]:
    """The slots of the rhythm in [start, start + days): (kind, title, starts_at)."""
    slots = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day.weekday() in (TUESDAY, THURSDAY):
            slots.append(
                (EntryKind.REVIEW_VIDEO, "新品测评短视频", _at(day, settings.CHANNELS_REVIEW_VIDEO_TIME))
            )
        if day.weekday() in (SATURDAY, SUNDAY):
            slots.append((EntryKind.LIVE, "周末直播", _at(day, settings.CHANNELS_LIVE_TIME)))
        for name, month, mday in promotions():
            try:
                promo_day = date(day.year, month, mday)
            except ValueError:
                continue
            if promo_day - timedelta(days=settings.CHANNELS_WARMUP_DAYS) == day:
                slots.append((EntryKind.PROMO_WARMUP, f"{name}大促预热", _at(day, "10:00")))
    return slots


def generate(start: date, days: int = 28) -> int:
    """Fill the calendar with the rhythm; returns how many entries were new."""
    if not 1 <= days <= 366:
        raise DomainError(ChannelsError.ENTRY_INVALID)
    created = 0
    for kind, title, starts_at in rhythm(start, days):
        try:
            with transaction.atomic():
                CalendarEntry.objects.create(kind=kind, title=title, starts_at=starts_at, generated=True)
                created += 1
        except IntegrityError:
            continue
    return created


def add_entry(
    *, kind: str, title: str, starts_at: datetime | None, note: str = "", live_id: int | None = None
) -> CalendarEntry:
    title = (title or "").strip()
    if kind not in EntryKind.values or not title or len(title) > 80 or starts_at is None:
        raise DomainError(ChannelsError.ENTRY_INVALID)
    live = LiveSession.objects.filter(pk=live_id).first() if live_id else None
    try:
        with transaction.atomic():
            return CalendarEntry.objects.create(
                kind=kind, title=title, starts_at=starts_at, note=note[:200], live=live
            )
    except IntegrityError:
        raise DomainError(ChannelsError.ENTRY_INVALID) from None


def _staff_message(entry: CalendarEntry, text: str) -> None:
    openid, template = settings.CHANNELS_STAFF_OPENID, settings.CHANNELS_STAFF_TEMPLATE_ID
    if not (openid and template):
        return
    body = {
        "touser": openid,
        "template_id": template,
        "data": {
            "first": {"value": "内容日程提醒"},
            "keyword1": {"value": entry.title[:20]},
            "keyword2": {"value": f"{timezone.localtime(entry.starts_at):%Y-%m-%d %H:%M}"},
            "remark": {"value": text[:100]},
        },
    }
    queue_call("message.template_send", body, key=f"channels:entry:{entry.pk}", app="oa")


def _booking_message(booking: LiveBooking, session: LiveSession) -> None:
    template = settings.CHANNELS_LIVE_SUBSCRIBE_TEMPLATE_ID
    if not template:
        return
    body = {
        "touser": booking.openid,
        "template_id": template,
        "page": "pages/live/index",
        "data": {
            "thing1": {"value": session.title[:20]},
            "time2": {"value": f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M}"},
        },
    }
    queue_call("message.subscribe_send", body, key=f"channels:booking:{booking.pk}", app="mp")


def remind_due(now: datetime | None = None) -> int:
    """Remind staff of entries about to start (and a live's bookers). Returns entries reminded."""
    now = now or timezone.now()
    horizon = now + timedelta(minutes=settings.CHANNELS_REMIND_BEFORE_MINUTES)
    ids = list(
        CalendarEntry.objects.filter(reminded_at__isnull=True, starts_at__gt=now, starts_at__lte=horizon)
        .order_by("starts_at")
        .values_list("pk", flat=True)[:200]
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            if not CalendarEntry.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                continue  # another beat run took it
            entry = CalendarEntry.objects.select_related("live").get(pk=pk)
            minutes = max(int((entry.starts_at - now).total_seconds() // 60), 0)
            text = f"「{entry.title}」（{entry.get_kind_display()}）将于 {minutes} 分钟后开始"
            StaffNotice.objects.create(entry=entry, message=text[:200])
            _staff_message(entry, text)
            if entry.live is not None:
                remind_bookers(entry.live, now)
            done += 1
    return done


def remind_bookers(session: LiveSession, now: datetime) -> int:
    """Inside the caller's transaction: each booker once (guarded on `reminded_at`)."""
    count = 0
    for booking in LiveBooking.objects.filter(session=session, reminded_at__isnull=True):
        if LiveBooking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(reminded_at=now):
            _booking_message(booking, session)
            count += 1
    return count


def mark_read(notice_id: int) -> bool:
    return bool(StaffNotice.objects.filter(pk=notice_id, read_at__isnull=True).update(read_at=timezone.now()))
