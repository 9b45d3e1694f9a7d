"""The drawn product pictures in a real browser (Debian's Chromium): every silhouette decodes as an
800×800 image and is not a blank canvas."""

import pytest

from wxmall.catalog.images import image_urls
from wxmall.catalog.testing import make_category, make_product

# One category per silhouette the drawing knows, plus a name it does not (the generic box).
CATEGORY_NAMES = [
    "轻薄本",
    "台式机",
    "一体机",
    "迷你主机",
    "显示器",
    "CPU",
    "显卡",
    "内存",
    "固态硬盘",
    "主板",
    "电源",
    "键盘",
    "鼠标",
    "耳机",
    "摄像头",
    "其他",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_silhouette_renders(page, live_server):
    urls = []
    for n, name in enumerate(CATEGORY_NAMES):
        product = make_product(
            f"演示商品 {name}",
            category=make_category(name, f"shape-{n}"),
            brand="联想",
            subtitle="卖点 & <特性>",
            specs={"接口": "USB-C"},
            skus=[{"price": 9_900}],
        )
        urls += image_urls(product.pk)
    page.goto(f"{live_server.url}/healthz")  # same origin as the images
    for url in urls:
        result = page.evaluate(
            """async (src) => {
                const img = new Image();
                img.src = src;
                await img.decode();
                const canvas = document.createElement("canvas");
                canvas.width = canvas.height = 100;
                const ctx = canvas.getContext("2d");
                ctx.drawImage(img, 0, 0, 100, 100);
                const pixels = ctx.getImageData(0, 0, 100, 100).data;
                const colours = new Set();
                for (let i = 0; i < pixels.length; i += 4 * 37) colours.add(pixels.slice(i, i + 3).join());
                return {width: img.naturalWidth, height: img.naturalHeight, colours: colours.size};
            }""",
            url,
        )
        assert (result["width"], result["height"]) == (800, 800), url
        assert result["colours"] > 5, url  # a drawing, not a flat fill
