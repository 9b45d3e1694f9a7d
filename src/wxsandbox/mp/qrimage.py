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
