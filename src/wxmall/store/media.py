"""Product images onto the Store's image host (`basics/img/upload`): product fields only accept
`https://mmecimage.cn/p/…` URLs. Each source is uploaded once (`StoreImage` caches the answer).

Sources: the catalogue's own generated pictures are rendered in-process and uploaded as files; any
other http(s) URL is handed to WeChat to fetch (upload_type 1); a relative path is made absolute with
SITE_URL when set."""

from __future__ import annotations

import contextlib
import re

from django.conf import settings
from django.db import IntegrityError, transaction

from wxmall.catalog.images import product_svg
from wxmall.catalog.models import Product
from wxmall.wechat import client

from .models import StoreImage

_OWN_IMAGE = re.compile(r"^/api/catalog/products/(?P<pid>\d+)/images/(?P<index>\d+)\.svg$")


def store_url(product: Product, source: str) -> str:
    cached = StoreImage.objects.filter(source=source[:300]).values_list("img_url", flat=True).first()
    if cached:
        return cached
    service = client("store").store
    own = _OWN_IMAGE.match(source)
    if own and int(own["pid"]) == product.pk:
        image = service.upload_image(
            product_svg(product, int(own["index"])).encode("utf-8"),
            filename=f"p{product.pk}-{own['index']}.svg",
        )
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
