"""Reading the QR codes in an image for 扫一扫: Pillow loads it, zxing-cpp (the maintained C++ port of
ZXing) finds and decodes the codes — rotated, skewed, small or among other things, as a screenshot is.

CPU work: callers run ``read`` in a thread, off the event loop.
"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
MAX_PIXELS = 40_000_000  # a 4K screenshot is 8.3 million; a compressed bomb must not reach the decoder


class NotAnImage(ValueError):
    """The bytes are not a PNG, JPEG, GIF or WebP image Pillow can read."""


class ImageTooLarge(ValueError):
    """The image's dimensions exceed ``MAX_PIXELS`` (its file may still be small)."""


def read(data: bytes) -> list[str]:
    """The texts of the QR codes in the image, in zxing's reading order; [] when there is none."""
    codes = zxingcpp.read_barcodes(_on_white(_load(data)), formats=zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in codes if code.valid and code.text]


def _load(data: bytes) -> Image.Image:
    unreadable = (OSError, SyntaxError, ValueError)  # what Pillow raises for unknown or truncated files
    try:
        # Reads the header only. Pillow's own bomb check (a warning over 89 million pixels, an error over
        # twice that) is looser than MAX_PIXELS, which is checked next.
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(str(exc)) from exc
    except unreadable as exc:
        raise NotAnImage(str(exc)) from exc
    if image.width * image.height > MAX_PIXELS:
        raise ImageTooLarge(f"{image.width}×{image.height}")
    try:
        image.load()
    except unreadable as exc:
        raise NotAnImage(str(exc)) from exc
    return image


def _on_white(image: Image.Image) -> Image.Image:
    """Greyscale, with transparent areas shown as white (as a viewer shows a transparent PNG): a black code
    on a transparent background would otherwise vanish into black."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, "white")
        return Image.alpha_composite(background, rgba).convert("L")
    return image.convert("L")
