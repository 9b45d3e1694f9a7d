"""Live sessions: the shelf and featured product, timed coupons and bookings, and the session's status
and viewers as WeChat reports them.

WeChat has no open API to edit a live room's shopping bag, set the explained product or pop a coupon
(reference §8.2): the hub keeps them as the session's plan, staff apply it in 视频号助手, and the figures
come back from WeChat (compass live list: status and viewers; attributed Store orders: orders and GMV).
A session WeChat reports ended is closed here too, and its plan can no longer change — each edit locks
the session row and checks its status in the same transaction."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from wxmall.catalog.models import Product
from wxmall.core.errors import DomainError
from wxmall.wechat import client

from ..errors import ChannelsError
from ..models import CalendarEntry, EntryKind, LiveBooking, LiveCoupon, LiveSession, LiveStatus, ShelfItem


def create(
    *, title: str, starts_at: datetime, finder_id: str = "", export_id: str = "", notice_id: str = ""
) -> LiveSession:
    title = (title or "").strip()
    if not title or len(title) > 80 or starts_at is None:
        raise DomainError(ChannelsError.ENTRY_INVALID)
    try:
        with transaction.atomic():
            session = LiveSession.objects.create(
                title=title,
                starts_at=starts_at,
                finder_id=finder_id[:64],
                export_id=export_id[:128] or None,
                notice_id=notice_id[:128],
            )
            CalendarEntry.objects.get_or_create(
                kind=EntryKind.LIVE, starts_at=starts_at, title=title[:80], defaults={"live": session}
            )
    except IntegrityError:  # the same WeChat live, created at the same moment
        raise DomainError(ChannelsError.LIVE_DUPLICATE) from None
    return session


def _editable(session_id: int) -> LiveSession:
    session = LiveSession.objects.select_for_update().filter(pk=session_id).first()
    if session is None:
        raise DomainError(ChannelsError.SESSION_UNKNOWN)
    if session.status == LiveStatus.ENDED:
        raise DomainError(ChannelsError.SESSION_ENDED)
    return session


def _product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id, is_listed=True).first()
    if product is None:
        raise DomainError(ChannelsError.PRODUCT_UNKNOWN)
    return product


def add_to_shelf(session_id: int, product_id: int) -> ShelfItem:
    with transaction.atomic():
        session = _editable(session_id)
        product = _product(product_id)
        existing = ShelfItem.objects.filter(session=session, product=product).first()
        if existing is not None:
            return existing
        if session.shelf.count() >= settings.CHANNELS_SHELF_MAX:
            raise DomainError(ChannelsError.SHELF_FULL)
        position = (session.shelf.aggregate(top=Max("position"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                return ShelfItem.objects.create(session=session, product=product, position=position)
        except IntegrityError:
            return ShelfItem.objects.get(session=session, product=product)


def remove_from_shelf(session_id: int, product_id: int) -> bool:
    with transaction.atomic():
        session = _editable(session_id)
        removed, _ = ShelfItem.objects.filter(session=session, product_id=product_id).delete()
        if session.featured_id == product_id:
            LiveSession.objects.filter(pk=session.pk).update(featured=None)
        return bool(removed)


def feature(session_id: int, product_id: int | None) -> LiveSession:
    """The product being explained now (讲解中); it must be on the shelf. None clears it."""
    with transaction.atomic():
        session = _editable(session_id)
        if (
            product_id is not None
            and not ShelfItem.objects.filter(session=session, product_id=product_id).exists()
        ):
            raise DomainError(ChannelsError.NOT_ON_SHELF)
        LiveSession.objects.filter(pk=session.pk).update(featured_id=product_id)
        session.featured_id = product_id
        return session


def schedule_coupon(
    session_id: int, *, store_coupon_id: str, name: str, pops_at: datetime, until: datetime
) -> LiveCoupon:
    if not (store_coupon_id.isdigit() and len(store_coupon_id) <= 24) or until <= pops_at:
        raise DomainError(ChannelsError.COUPON_WINDOW)
    with transaction.atomic():
        session = _editable(session_id)
        return LiveCoupon.objects.create(
            session=session, store_coupon_id=store_coupon_id, name=name[:40], pops_at=pops_at, until=until
        )


def book(session_id: int, openid: str) -> tuple[LiveBooking, bool]:
    """A follower books the live (预约) to be reminded; once per (session, openid)."""
    openid = (openid or "")[:128]
    with transaction.atomic():
        session = _editable(session_id)
        if not openid:
            raise DomainError(ChannelsError.NO_MP_OPENID)
        return LiveBooking.objects.get_or_create(session=session, openid=openid)


def sync_figures(day=None) -> int:
    """Pull the day's live list (status, viewers) into the sessions it names; returns sessions updated.
    A session WeChat reports ended is ended here for good (its plan freezes)."""
    day = day or timezone.localdate()
    now = timezone.now()
    updated = 0
    for live in client("store").store.compass_live_list(day):
        with transaction.atomic():
            session = LiveSession.objects.select_for_update().filter(export_id=live.export_id).first()
            if session is None:
                continue
            fields: dict = {"viewers": max(session.viewers, live.viewer_uv), "viewers_at": now}
            if session.status != LiveStatus.ENDED and live.status != session.status:
                fields["status"] = live.status
                if live.status == LiveStatus.LIVE and session.started_at is None:
                    fields["started_at"] = now
                if live.status == LiveStatus.ENDED:
                    fields["ended_at"] = now
            LiveSession.objects.filter(pk=session.pk).update(**fields)
            updated += 1
    return updated


def link_export_id(session_id: int, export_id: str) -> LiveSession:
    """Staff name the WeChat live this session is (its export_id), once it exists in 视频号助手."""
    export_id = (export_id or "").strip()[:128]
    if not export_id:
        raise DomainError(ChannelsError.ENTRY_INVALID)
    with transaction.atomic():
        session = _editable(session_id)
        if LiveSession.objects.filter(export_id=export_id).exclude(pk=session.pk).exists():
            raise DomainError(ChannelsError.LIVE_DUPLICATE)
        LiveSession.objects.filter(pk=session.pk).update(export_id=export_id)
        session.export_id = export_id
        return session


def end(session_id: int) -> LiveSession:
    with transaction.atomic():
        session = _editable(session_id)
        LiveSession.objects.filter(pk=session.pk).update(status=LiveStatus.ENDED, ended_at=timezone.now())
        session.refresh_from_db()
        return session
