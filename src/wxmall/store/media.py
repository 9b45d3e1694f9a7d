"""Product images onto the Store's image host (`basics/img/upload`): product fields only accept
`https://mmecimage.cn/p/…` URLs. Each source is uploaded once (`StoreImage` caches the answer).

Sources: the catalogue's own generated pictures (SVG, which WeChat does not take) are drawn again as
three PNG cards (cover, spec sheet, SKU list: the Store wants at least three head images) and uploaded as
files; any other http(s) URL is handed to WeChat to fetch (upload_type 1); a relative path is made
absolute with SITE_URL when set."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import textwrap
import zlib

from django.conf import settings
from django.db import IntegrityError, transaction

from wxmall.catalog.models import Product
from wxmall.wechat import client

from .models import StoreImage

_OWN_IMAGE = re.compile(r"^/api/catalog/products/(?P<pid>\d+)/images/(?P<index>\d+)\.svg$")


GENERATED_CARDS = 3
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def head_sources(product: Product) -> list[str]:
    """The product's head images as sources for `store_url` (at most 9)."""
    images = list(product.images or [])
    if images and all(_OWN_IMAGE.match(src) for src in images):
        digest = hashlib.sha1(
            json.dumps(
                [product.title, product.brand, product.specs, _sku_lines(product)], ensure_ascii=False
            ).encode()
        ).hexdigest()[:12]
        return [f"generated:{product.pk}:{n}:{digest}" for n in range(GENERATED_CARDS)]
    return images[:9]


def _sku_lines(product: Product) -> list[str]:
    return [
        f"{sku.spec_label or '标准'}  ¥{sku.price / 100:.2f}"
        for sku in product.skus.filter(is_active=True)[:8]
    ]


def card_png(product: Product, index: int) -> bytes:
    """A 800×800 PNG card: brand colour, brand and title; then the spec sheet, or the SKU list."""
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFont

    shade = 40 + (zlib.crc32(product.brand.encode()) % 120)
    image = PILImage.new("RGB", (800, 800), (shade, 90 + index * 40, 160))
    draw = ImageDraw.Draw(image)
    try:
        big, small = ImageFont.truetype(FONT, 44), ImageFont.truetype(FONT, 30)
    except OSError:  # no CJK font installed: the card still uploads, with the default font
        big = small = ImageFont.load_default()
    lines = [product.brand or "", *textwrap.wrap(product.title, 14)[:3]]
    if index == 1:
        lines += [f"{k}：{v}" for k, v in list((product.specs or {}).items())[:8]]
    elif index == 2:
        lines += _sku_lines(product)
    y = 60
    for n, line in enumerate(lines):
        draw.text((50, y), str(line)[:40], fill=(255, 255, 255), font=big if n < 4 else small)
        y += 64 if n < 4 else 44
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def store_url(product: Product, source: str) -> str:
    cached = StoreImage.objects.filter(source=source[:300]).values_list("img_url", flat=True).first()
    if cached:
        return cached
    service = client("store").store
    if source.startswith("generated:"):
        index = int(source.split(":")[2])
        image = service.upload_image(card_png(product, index), filename=f"p{product.pk}-{index}.png")
    else:
        url = source
        if url.startswith("/") and getattr(settings, "SITE_URL", ""):
            url = settings.SITE_URL.rstrip("/") + url
        if not url.startswith(("https://", "http://")):
            raise ValueError("图片地址无法访问")
        image = service.upload_image_url(url)
    # Another worker may have uploaded the same source meanwhile: keep theirs.
    with contextlib.suppress(IntegrityError), transaction.atomic():
        StoreImage.objects.create(source=source[:300], img_url=image.img_url, media_id=image.media_id[:128])
    return image.img_url
