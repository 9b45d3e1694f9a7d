"""QR code images for ``showqrcode`` and Mini Program codes, drawn by segno (level M, 4-module quiet zone)."""

from __future__ import annotations

import io

import segno


def png(url: str, *, width: int | None = None) -> bytes:
    """A PNG of ``url`` as a QR code; ``width`` (pixels, approximate) picks the module scale."""
    code = segno.make(url, error="m", micro=False, boost_error=False)
    modules = code.symbol_size(scale=1, border=4)[0]
    scale = max(1, (width or 8 * modules) // modules)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def code_image(url: str, *, width: int, colour: tuple[int, int, int], transparent: bool) -> tuple[bytes, str]:
    """A Mini Program code stand-in: the QR code of ``url`` about ``width`` pixels wide, dark modules in
    ``colour``. JPEG on white (WeChat's default), or PNG with a transparent background (``is_hyaline``).
    Returns ``(image bytes, content type)``."""
    from PIL import Image  # Pillow: JPEG and RGBA PNG, which segno alone does not write

    code = segno.make(url, error="m", micro=False, boost_error=False)
    modules = code.symbol_size(scale=1, border=4)[0]
    scale = max(1, width // modules)
    mask = Image.new("1", (modules, modules), 0)
    mask.putdata([bit for row in code.matrix_iter(scale=1, border=4) for bit in row])
    mask = mask.resize((modules * scale, modules * scale), Image.NEAREST)
    out = io.BytesIO()
    if transparent:
        image = Image.new("RGBA", mask.size, (255, 255, 255, 0))
        image.paste((*colour, 255), mask=mask)
        image.save(out, format="PNG")
        return out.getvalue(), "image/png"
    image = Image.new("RGB", mask.size, (255, 255, 255))
    image.paste(colour, mask=mask)
    image.save(out, format="JPEG", quality=92)
    return out.getvalue(), "image/jpeg"
