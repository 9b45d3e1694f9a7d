"""QR posters (PNG) for any tracked link: the product's picture when it is a raster image, its title and
price, and the QR code of the link's short URL (so every scan is a tracked, attributed click).

Chinese text needs a CJK font: MARKETING_POSTER_FONT (default Debian's fonts-wqy-microhei); without
one the poster still renders, with Pillow's default font."""

from __future__ import annotations

import io
from pathlib import Path

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from wxmall.core.money import format_yuan

from .models import Link

WIDTH, HEIGHT = 750, 1100
QR_SIZE = 360
QR_TOP = HEIGHT - QR_SIZE - 120
TITLE_MAX = 40


def short_url(link: Link) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/l/{link.code}"


def _font(size: int):
    path = settings.MARKETING_POSTER_FONT
    try:
        return (
            ImageFont.truetype(path, size) if path and Path(path).exists() else ImageFont.load_default(size)
        )
    except OSError:
        return ImageFont.load_default(size)


def _picture(image: str) -> Image.Image | None:
    """A static raster image of the product (an SVG or a missing file: no picture)."""
    if not image.startswith(settings.STATIC_URL):
        return None
    found = finders.find(image.removeprefix(settings.STATIC_URL))
    if not found:
        return None
    try:
        with Image.open(found) as picture:
            picture.load()
            return picture.convert("RGB")
    except (UnidentifiedImageError, OSError):
        return None


def qr_image(link: Link) -> Image.Image:
    out = io.BytesIO()
    segno.make(short_url(link), error="m").save(out, kind="png", scale=10, border=2)
    out.seek(0)
    return Image.open(out).convert("RGB").resize((QR_SIZE, QR_SIZE), Image.NEAREST)


def poster_png(link: Link, *, title: str, price: int | None = None, image: str = "") -> bytes:
    canvas = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(canvas)
    picture = _picture(image)
    if picture is not None:
        picture.thumbnail((WIDTH - 80, 420))
        canvas.paste(picture, ((WIDTH - picture.width) // 2, 40))
    title = title[:TITLE_MAX]
    draw.text((40, 490), title[:20], fill="#1f2328", font=_font(36))
    if len(title) > 20:
        draw.text((40, 536), title[20:], fill="#1f2328", font=_font(36))
    if price is not None:
        draw.text((40, 590), format_yuan(price), fill="#e4393c", font=_font(44))
    canvas.paste(qr_image(link), ((WIDTH - QR_SIZE) // 2, QR_TOP))
    draw.text((WIDTH // 2, HEIGHT - 80), "微信扫码查看", fill="#656d76", font=_font(28), anchor="mm")
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()
