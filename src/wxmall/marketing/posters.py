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


def code_image(data: bytes) -> Image.Image:
    """A Mini Program code WeChat drew (JPEG, or PNG with transparency) on the poster's white."""
    with Image.open(io.BytesIO(data)) as code:
        code.load()
        white = Image.new("RGB", code.size, "white")
        white.paste(code, mask=code.getchannel("A") if code.mode == "RGBA" else None)
    return white.resize((QR_SIZE, QR_SIZE), Image.LANCZOS)


def poster_png(
    link: Link, *, title: str, price: int | None = None, image: str = "", mp_code: bytes | None = None
) -> bytes:
    """The poster; `mp_code` (a Mini Program code's image) takes the place of the short link's QR."""
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
    code = code_image(mp_code) if mp_code else qr_image(link)
    canvas.paste(code, ((WIDTH - QR_SIZE) // 2, QR_TOP))
    caption = "微信扫码打开小程序" if mp_code else "微信扫码查看"
    draw.text((WIDTH // 2, HEIGHT - 80), caption, fill="#656d76", font=_font(28), anchor="mm")
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()
