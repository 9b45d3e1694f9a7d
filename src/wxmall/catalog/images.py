"""Product pictures drawn as SVG from the product's own data, so a store runs with no image files and
no network: a tinted card with a device silhouette chosen by category and the brand and model
written on it (image 0), and a spec card (image 1). Deterministic: the same product draws the same
bytes, which makes them cacheable. Every text is XML-escaped; the response also forbids scripts."""

from __future__ import annotations

import zlib
from xml.sax.saxutils import escape

from django.urls import reverse

from .models import Category, Product

IMAGE_COUNT = 2
FONT = "PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"

BRAND_COLOURS = {
    "联想": "#e2231a",
    "华为": "#c7000b",
    "小米": "#ff6900",
    "戴尔": "#007db8",
    "华硕": "#1a1a2e",
    "惠普": "#0096d6",
    "苹果": "#555555",
    "罗技": "#00b8fc",
    "三星": "#1428a0",
    "西部数据": "#005eb8",
    "AMD": "#ed1c24",
    "英特尔": "#0071c5",
    "英伟达": "#76b900",
    "雷蛇": "#44d62c",
    "索尼": "#222222",
    "微星": "#d1001f",
    "七彩虹": "#7b2ff7",
    "金士顿": "#c8102e",
    "芝奇": "#b8860b",
    "致态": "#1e88e5",
    "海盗船": "#f5c400",
    "赛睿": "#ff5200",
    "明基": "#5a2d82",
    "LG": "#a50034",
    "AOC": "#d4002a",
    "机械革命": "#00a0e9",
    "零刻": "#2f9e44",
    "ThinkPad": "#e2231a",
}

# Category name fragments -> silhouette, most specific first (a category or any ancestor may match).
SHAPE_BY_NAME = (
    ("一体机", "aio"),
    ("迷你", "minipc"),
    ("显示器", "monitor"),
    ("显卡", "gpu"),
    ("CPU", "chip"),
    ("处理器", "chip"),
    ("内存", "ram"),
    ("固态", "ssd"),
    ("硬盘", "ssd"),
    ("主板", "board"),
    ("电源", "psu"),
    ("键盘", "keyboard"),
    ("鼠标", "mouse"),
    ("耳机", "headset"),
    ("摄像头", "webcam"),
    ("笔记本", "laptop"),
    ("轻薄本", "laptop"),
    ("游戏本", "laptop"),
    ("商务本", "laptop"),
    ("台式", "tower"),
    ("主机", "tower"),
)


def image_urls(product_id: int) -> list[str]:
    return [
        reverse("api:catalog_product_image", kwargs={"product_id": product_id, "index": n})
        for n in range(IMAGE_COUNT)
    ]


def _accent(brand: str) -> str:
    if brand in BRAND_COLOURS:
        return BRAND_COLOURS[brand]
    hue = zlib.crc32(brand.encode()) % 360
    return f"hsl({hue}, 62%, 42%)"


def _shape_for(category: Category) -> str:
    names, node, seen = [], category, set()
    while node is not None and node.pk not in seen:  # child first, then its ancestors
        names.append(node.name)
        seen.add(node.pk)
        node = node.parent
    for name in names:
        for fragment, shape in SHAPE_BY_NAME:
            if fragment in name:
                return shape
    return "box"


def _lines(text: str, width: int, limit: int = 2) -> list[str]:
    """Wrap by character count (CJK glyphs are roughly square); an ellipsis marks a cut."""
    text = " ".join(text.split())
    lines = [text[i : i + width] for i in range(0, len(text), width)] or [""]
    if len(lines) > limit:
        lines = lines[:limit]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def _text(
    x: int, y: int, size: int, content: str, fill: str, weight: int = 400, anchor: str = "middle"
) -> str:
    return (
        f'<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
        f'text-anchor="{anchor}" font-family="{FONT}">{escape(content)}</text>'
    )


# Silhouettes, drawn around the centre of an 800x800 canvas, in white with the accent for details.
_SHAPES = {
    "laptop": """
      <rect x="210" y="170" width="380" height="240" rx="16" fill="#fff"/>
      <rect x="228" y="188" width="344" height="204" rx="6" fill="url(#screen)"/>
      <path d="M170 412 H630 L606 446 H194 Z" fill="#fff"/>
      <rect x="360" y="412" width="80" height="8" rx="4" fill="ACCENT" opacity=".5"/>""",
    "tower": """
      <rect x="300" y="140" width="200" height="340" rx="14" fill="#fff"/>
      <rect x="318" y="160" width="164" height="70" rx="6" fill="url(#screen)"/>
      <circle cx="400" cy="300" r="42" fill="none" stroke="ACCENT" stroke-width="8" opacity=".7"/>
      <circle cx="400" cy="400" r="42" fill="none" stroke="ACCENT" stroke-width="8" opacity=".7"/>
      <circle cx="470" cy="455" r="6" fill="ACCENT"/>""",
    "aio": """
      <rect x="190" y="150" width="420" height="270" rx="16" fill="#fff"/>
      <rect x="206" y="166" width="388" height="220" rx="6" fill="url(#screen)"/>
      <path d="M380 420 H420 L432 470 H368 Z" fill="#fff"/>
      <rect x="320" y="468" width="160" height="12" rx="6" fill="#fff"/>""",
    "minipc": """
      <rect x="280" y="250" width="240" height="200" rx="28" fill="#fff"/>
      <circle cx="400" cy="350" r="56" fill="url(#screen)"/>
      <rect x="312" y="420" width="40" height="8" rx="4" fill="ACCENT"/>""",
    "monitor": """
      <rect x="160" y="150" width="480" height="290" rx="12" fill="#fff"/>
      <rect x="174" y="164" width="452" height="250" rx="4" fill="url(#screen)"/>
      <rect x="385" y="440" width="30" height="36" fill="#fff"/>
      <rect x="310" y="474" width="180" height="12" rx="6" fill="#fff"/>""",
    "chip": """
      <g stroke="#fff" stroke-width="10" stroke-linecap="round">
        <path d="M320 200 V170 M360 200 V170 M400 200 V170 M440 200 V170 M480 200 V170"/>
        <path d="M320 460 V490 M360 460 V490 M400 460 V490 M440 460 V490 M480 460 V490"/>
        <path d="M270 250 H240 M270 290 H240 M270 330 H240 M270 370 H240 M270 410 H240"/>
        <path d="M530 250 H560 M530 290 H560 M530 330 H560 M530 370 H560 M530 410 H560"/>
      </g>
      <rect x="270" y="200" width="260" height="260" rx="18" fill="#fff"/>
      <rect x="320" y="250" width="160" height="160" rx="10" fill="url(#screen)"/>""",
    "gpu": """
      <rect x="150" y="240" width="500" height="170" rx="18" fill="#fff"/>
      <circle cx="290" cy="325" r="62" fill="url(#screen)"/>
      <circle cx="510" cy="325" r="62" fill="url(#screen)"/>
      <circle cx="290" cy="325" r="14" fill="#fff"/><circle cx="510" cy="325" r="14" fill="#fff"/>
      <rect x="150" y="410" width="200" height="18" fill="ACCENT" opacity=".6"/>
      <rect x="630" y="220" width="20" height="220" rx="4" fill="#fff"/>""",
    "ram": """
      <rect x="130" y="270" width="540" height="110" rx="8" fill="#fff"/>
      <g fill="url(#screen)"><rect x="160" y="290" width="70" height="60" rx="4"/>
      <rect x="250" y="290" width="70" height="60" rx="4"/><rect x="340" y="290" width="70" height="60" rx="4"/>
      <rect x="480" y="290" width="70" height="60" rx="4"/><rect x="570" y="290" width="70" height="60" rx="4"/></g>
      <rect x="130" y="380" width="540" height="14" fill="ACCENT" opacity=".6"/>
      <rect x="420" y="370" width="20" height="26" fill="BG"/>""",
    "ssd": """
      <rect x="170" y="290" width="460" height="90" rx="10" fill="#fff"/>
      <rect x="200" y="308" width="120" height="54" rx="4" fill="url(#screen)"/>
      <rect x="340" y="308" width="120" height="54" rx="4" fill="url(#screen)"/>
      <rect x="480" y="314" width="60" height="42" rx="4" fill="ACCENT" opacity=".6"/>
      <rect x="600" y="300" width="30" height="70" fill="ACCENT" opacity=".4"/>""",
    "board": """
      <rect x="220" y="160" width="360" height="340" rx="10" fill="#fff"/>
      <rect x="270" y="200" width="120" height="120" rx="8" fill="url(#screen)"/>
      <g fill="ACCENT" opacity=".6"><rect x="430" y="200" width="14" height="160"/>
      <rect x="460" y="200" width="14" height="160"/><rect x="260" y="370" width="280" height="18"/>
      <rect x="260" y="420" width="280" height="18"/></g>""",
    "psu": """
      <rect x="230" y="200" width="340" height="260" rx="14" fill="#fff"/>
      <circle cx="400" cy="330" r="96" fill="url(#screen)"/>
      <g stroke="#fff" stroke-width="6" opacity=".8"><path d="M310 330 H490 M400 240 V420"/>
      <circle cx="400" cy="330" r="60" fill="none"/></g>""",
    "keyboard": """
      <rect x="130" y="250" width="540" height="200" rx="18" fill="#fff"/>
      <g fill="url(#screen)">KEYS</g>
      <rect x="280" y="406" width="240" height="26" rx="5" fill="ACCENT" opacity=".7"/>""",
    "mouse": """
      <path d="M400 160 C500 160 530 250 530 340 C530 450 470 500 400 500 C330 500 270 450 270 340
               C270 250 300 160 400 160 Z" fill="#fff"/>
      <path d="M400 160 V290 M270 290 H530" stroke="url(#screen)" stroke-width="6" fill="none"/>
      <rect x="388" y="200" width="24" height="54" rx="12" fill="ACCENT"/>""",
    "headset": """
      <path d="M250 380 V320 C250 220 320 160 400 160 C480 160 550 220 550 320 V380"
            stroke="#fff" stroke-width="26" fill="none" stroke-linecap="round"/>
      <rect x="210" y="340" width="90" height="150" rx="40" fill="#fff"/>
      <rect x="500" y="340" width="90" height="150" rx="40" fill="#fff"/>
      <rect x="232" y="370" width="46" height="90" rx="22" fill="url(#screen)"/>
      <rect x="522" y="370" width="46" height="90" rx="22" fill="url(#screen)"/>""",
    "webcam": """
      <rect x="250" y="220" width="300" height="150" rx="75" fill="#fff"/>
      <circle cx="400" cy="295" r="56" fill="url(#screen)"/>
      <circle cx="400" cy="295" r="20" fill="#fff" opacity=".7"/>
      <path d="M370 370 L350 470 H450 L430 370 Z" fill="#fff"/>""",
    "box": """
      <path d="M400 170 L580 260 V440 L400 530 L220 440 V260 Z" fill="#fff"/>
      <path d="M220 260 L400 350 L580 260 M400 350 V530" stroke="url(#screen)" stroke-width="8" fill="none"/>""",
}


def _keys() -> str:
    keys = []
    for row in range(4):
        for col in range(12):
            keys.append(f'<rect x="{152 + col * 42}" y="{270 + row * 34}" width="34" height="26" rx="5"/>')
    return "".join(keys)


def _frame(accent: str, body: str, uid: str) -> str:
    # Gradient ids carry the product id: several SVGs inlined into one page must not share ids.
    body = body.replace("url(#screen)", f"url(#screen-{uid})")
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 800" width="800" height="800">
  <defs>
    <linearGradient id="bg-{uid}" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="{accent}" stop-opacity=".18"/>
      <stop offset="1" stop-color="{accent}" stop-opacity=".55"/>
    </linearGradient>
    <linearGradient id="screen-{uid}" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="{accent}"/>
      <stop offset="1" stop-color="#101828"/>
    </linearGradient>
  </defs>
  <rect width="100%" height="100%" fill="#f7f8fa"/>
  <rect width="100%" height="100%" fill="url(#bg-{uid})"/>
{body}
</svg>
"""


def cover_svg(product: Product) -> str:
    accent = _accent(product.brand)
    shape = _SHAPES[_shape_for(product.category)]
    shape = shape.replace("KEYS", _keys()).replace("ACCENT", accent).replace("BG", "#f7f8fa")
    model = product.title
    if product.brand and model.startswith(product.brand):
        model = model[len(product.brand) :].strip() or product.title
    parts = [
        f"  <g>{shape}</g>",
        f'  <rect x="40" y="40" width="{max(120, 34 * len(product.brand) + 48)}" height="56" rx="28" '
        f'fill="{accent}"/>',
        "  " + _text(64, 78, 30, product.brand or "wxmall", "#fff", 700, "start"),
    ]
    y = 600
    for line in _lines(model, 18):
        parts.append("  " + _text(400, y, 42, line, "#101828", 700))
        y += 56
    if product.subtitle:
        parts.append("  " + _text(400, y + 10, 26, _lines(product.subtitle, 26, 1)[0], "#475467"))
    return _frame(accent, "\n".join(parts), str(product.pk))


def spec_svg(product: Product) -> str:
    accent = _accent(product.brand)
    parts = ["  " + _text(60, 120, 30, product.brand or "", accent, 700, "start")]
    y = 180
    for line in _lines(product.title, 20):
        parts.append("  " + _text(60, y, 40, line, "#101828", 700, "start"))
        y += 54
    y += 30
    for key, value in list(product.specs.items())[:7]:
        parts.append(
            f'  <rect x="60" y="{y - 34}" width="680" height="56" rx="12" fill="#fff" opacity=".85"/>'
        )
        parts.append("  " + _text(84, y + 2, 26, _lines(str(key), 8, 1)[0], "#667085", 400, "start"))
        parts.append("  " + _text(250, y + 2, 26, _lines(str(value), 19, 1)[0], "#101828", 600, "start"))
        y += 72
    return _frame(accent, "\n".join(parts), str(product.pk))


def product_svg(product: Product, index: int) -> str:
    return spec_svg(product) if index == 1 else cover_svg(product)
