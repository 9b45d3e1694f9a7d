"""Share posters (PNG, Pillow + segno): the product image, the price and a QR code of the tracked link, so
every scan is a click on that link and every join is attributed."""

from __future__ import annotations

import io
from pathlib import Path

import segno
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 600, 900
IMAGE_BOX = (40, 40, 560, 520)
QR_SIZE = 220
MAX_IMAGE_PIXELS = 25_000_000  # a decompression bomb among the product images is refused, not rendered


def _font(size: int) -> ImageFont.ImageFont:
    path = settings.POSTER_FONT_PATH
    if path and Path(path).is_file():
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _product_image(cover: str) -> Image.Image | None:
    """Only images stored under MEDIA_ROOT are drawn: the hub never fetches from the internet."""
    if not cover.startswith(settings.MEDIA_URL):
        return None
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / cover.removeprefix(settings.MEDIA_URL)).resolve()
    if root not in path.parents or not path.is_file():
        return None
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                return None
            image.thumbnail((IMAGE_BOX[2] - IMAGE_BOX[0], IMAGE_BOX[3] - IMAGE_BOX[1]))
            return image.convert("RGB")
    except (OSError, Image.DecompressionBombError):
        return None


def render(*, title: str, price_line: str, note: str, url: str, cover: str = "") -> bytes:
    """A poster as PNG bytes."""
    poster = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(poster)
    image = _product_image(cover)
    if image is None:
        draw.rectangle(IMAGE_BOX, fill="#f2f3f5")
        draw.text((WIDTH // 2, 280), "微选数码", font=_font(40), fill="#b0b3b8", anchor="mm")
    else:
        poster.paste(
            image, (IMAGE_BOX[0] + (520 - image.width) // 2, IMAGE_BOX[1] + (480 - image.height) // 2)
        )
    draw.text((40, 550), title[:24], font=_font(30), fill="#1f2329")
    draw.text((40, 600), price_line[:30], font=_font(36), fill="#e4393c")
    draw.text((40, 660), note[:30], font=_font(22), fill="#646a73")
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=6, border=2)
    code = Image.open(io.BytesIO(qr.getvalue())).convert("RGB").resize((QR_SIZE, QR_SIZE), Image.NEAREST)
    poster.paste(code, (WIDTH - QR_SIZE - 40, HEIGHT - QR_SIZE - 40))
    draw.text((40, HEIGHT - 80), "长按识别二维码", font=_font(22), fill="#646a73")
    out = io.BytesIO()
    poster.save(out, format="PNG", optimize=True)
    return out.getvalue()
