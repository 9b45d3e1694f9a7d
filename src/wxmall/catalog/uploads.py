"""Product pictures uploaded by staff. Every file is checked to be an image before it is decoded (size,
then pixel count from the header: a decompression bomb is refused unread), then decoded, downscaled and
re-encoded by Pillow, so what is stored and served is always a fresh JPEG or PNG that we wrote, never the
uploaded bytes (no polyglots, no EXIF with the shop's GPS position). A thumbnail is written beside it."""

from __future__ import annotations

import hashlib
import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

from wxmall.core.errors import DomainError

from .errors import CatalogError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
THUMBNAIL_SIDE = 240
FOLDER = "catalog/products"


def _refuse(message: str) -> DomainError:
    return DomainError(CatalogError.IMAGE_INVALID, message)


def _open_checked(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if image.format not in ACCEPTED_FORMATS:
                raise _refuse("仅支持 JPG、PNG、WebP 或 GIF 图片")
            if width * height > settings.CATALOG_IMAGE_MAX_PIXELS:
                raise _refuse(f"图片像素过多（{width}×{height}），请缩小后再上传")
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise _refuse("文件不是图片，或图片已损坏") from exc
        raise _refuse("图片像素过多，请缩小后再上传") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise _refuse("文件不是图片，或图片已损坏") from exc
    return image


def _encoded(image: Image.Image, max_side: int) -> tuple[bytes, str]:
    """The picture upright (EXIF orientation applied, then dropped), at most `max_side` on its longest
    side, as JPEG (opaque) or PNG (with transparency)."""
    image = ImageOps.exif_transpose(image)
    image.thumbnail((max_side, max_side))
    buffer = io.BytesIO()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image.convert("RGBA").save(buffer, "PNG", optimize=True)
        return buffer.getvalue(), "png"
    image.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue(), "jpg"


def thumbnail_url(url: str) -> str:
    """The thumbnail written beside an uploaded picture; any other URL is its own thumbnail."""
    base, dot, ext = url.rpartition(".")
    return f"{base}_thumb.{ext}" if dot and f"/{FOLDER}/" in url else url


def save_image(upload) -> str:
    """Check, re-encode and store an uploaded picture and its thumbnail; return the picture's URL.
    Refuses (DomainError, nothing stored) anything too large, not an image, or with too many pixels."""
    if upload.size > settings.CATALOG_IMAGE_MAX_BYTES:
        limit = settings.CATALOG_IMAGE_MAX_BYTES // (1024 * 1024)
        raise _refuse(f"图片不能超过 {limit} MB")
    data = upload.read(settings.CATALOG_IMAGE_MAX_BYTES + 1)
    if len(data) > settings.CATALOG_IMAGE_MAX_BYTES:
        raise _refuse("图片过大")
    image = _open_checked(data)
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)  # an animated GIF keeps its first frame
    body, ext = _encoded(image, settings.CATALOG_IMAGE_MAX_SIDE)
    thumb, _ = _encoded(image, THUMBNAIL_SIDE)
    # Named by content: the same picture uploaded twice is one file.
    name = f"{FOLDER}/{hashlib.sha256(body).hexdigest()[:32]}.{ext}"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(body))
        default_storage.save(name.replace(f".{ext}", f"_thumb.{ext}"), ContentFile(thumb))
    return default_storage.url(name)
