"""Customers' after-sales photos: checked with Pillow (really an image, of an allowed format, not a
decompression bomb), shrunk to at most PHOTO_MAX_SIDE, and re-encoded as JPEG, which drops EXIF (GPS
positions included) and any bytes smuggled after the image data."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from wxmall.core.errors import DomainError

from .errors import AfterSaleError

FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_MAX_SIDE = 1600
MAX_PIXELS = 40_000_000  # beyond this Pillow's bomb check would warn; refuse well before memory suffers


@dataclass(frozen=True)
class CleanPhoto:
    content: ContentFile
    width: int
    height: int


def clean(uploads) -> list[CleanPhoto]:
    """Every upload checked and re-encoded, or DomainError for the first bad one (nothing is kept)."""
    if len(uploads) > settings.AFTERSALES_MAX_PHOTOS:
        raise DomainError(AfterSaleError.TOO_MANY_PHOTOS, f"最多上传 {settings.AFTERSALES_MAX_PHOTOS} 张图片")
    return [_clean_one(upload) for upload in uploads]


def _clean_one(upload) -> CleanPhoto:
    limit = settings.AFTERSALES_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise DomainError(AfterSaleError.PHOTO_TOO_BIG, f"每张图片不能超过 {limit // (1024 * 1024)} MB")
    data = upload.read(limit + 1)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS or probe.width * probe.height > MAX_PIXELS:
                raise DomainError(AfterSaleError.NOT_AN_IMAGE)
            probe.verify()  # structure check; the image must be opened again to decode it
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DomainError(AfterSaleError.NOT_AN_IMAGE) from exc
    return CleanPhoto(ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg"), image.width, image.height)
