"""Short videos: each gets its own tracked link (marketing's /l/<code>) to the product it carries, so
its UV (distinct visitors through the link) and its orders are measurable per video."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from wxmall.catalog.models import Product
from wxmall.core.errors import DomainError
from wxmall.marketing.actions import create_link

from ..errors import ChannelsError
from ..models import LiveSession, Sharer, SharerLink, ShortVideo

VIDEO_CHANNEL, SHARER_CHANNEL = "channels_video", "channels_sharer"


def _product_url(product: Product) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("storefront:product", args=[product.pk])


def add_video(*, title: str, export_id: str, product_id: int, finder_id: str = "") -> ShortVideo:
    title, export_id = (title or "").strip(), (export_id or "").strip()
    if not title or len(title) > 80 or not export_id or len(export_id) > 128:
        raise DomainError(ChannelsError.ENTRY_INVALID)
    product = Product.objects.filter(pk=product_id, is_listed=True).first()
    if product is None:
        raise DomainError(ChannelsError.PRODUCT_UNKNOWN)
    if ShortVideo.objects.filter(export_id=export_id).exists():
        raise DomainError(ChannelsError.VIDEO_DUPLICATE)
    try:
        with transaction.atomic():
            link = create_link(
                target_url=_product_url(product),
                name=f"短视频：{title}"[:60],
                channel=VIDEO_CHANNEL,
                content_id=export_id[:64],
            )
            return ShortVideo.objects.create(
                title=title, export_id=export_id, finder_id=finder_id[:64], product=product, link=link
            )
    except IntegrityError:
        raise DomainError(ChannelsError.VIDEO_DUPLICATE) from None


def sharer_link(
    sharer_id: int, *, product_id: int, live_id: int | None = None, video_id: int | None = None
) -> SharerLink:
    """A sharer's tracked link to a product (for a live session or a video, optionally)."""
    sharer = Sharer.objects.filter(pk=sharer_id, bound=True).first()
    if sharer is None:
        raise DomainError(ChannelsError.SHARER_UNKNOWN)
    product = Product.objects.filter(pk=product_id, is_listed=True).first()
    if product is None:
        raise DomainError(ChannelsError.PRODUCT_UNKNOWN)
    live = LiveSession.objects.filter(pk=live_id).first() if live_id else None
    video = ShortVideo.objects.filter(pk=video_id).first() if video_id else None
    with transaction.atomic():
        link = create_link(
            target_url=_product_url(product),
            name=f"分享员：{sharer}"[:60],
            channel=SHARER_CHANNEL,
            content_id=sharer.openid[:64],
        )
        return SharerLink.objects.create(link=link, sharer=sharer, live=live, video=video)
