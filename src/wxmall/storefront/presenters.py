"""Shapes domain objects into what the templates show: facet chips and the SKU picker's data.
Display only; every price and stock figure here was computed by the domain."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import segno
from django.conf import settings
from django.utils.safestring import mark_safe

from wxmall.catalog import queries as catalog
from wxmall.catalog import richtext

SORT_OPTIONS = (
    ("default", "综合"),
    ("sales", "销量"),
    ("price_asc", "价格↑"),
    ("price_desc", "价格↓"),
    ("new", "新品"),
)
FACET_LABELS = (("brand", "品牌"), ("cpu", "处理器"), ("memory", "内存"), ("storage", "存储"))


def max_quantity() -> int:
    return settings.CART_MAX_QUANTITY


@dataclass
class FacetGroup:
    name: str
    label: str
    selected: str
    values: list[tuple[str, int | None]] = field(default_factory=list)


def facet_groups(facets: dict | None, filters: dict) -> list[FacetGroup]:
    """Filter chips per dimension. A selected value always shows, so it can be unselected even when the
    current results no longer contain other values."""
    groups = []
    for name, label in FACET_LABELS:
        values: list[tuple[str, int | None]] = [(f.value, f.count) for f in (facets or {}).get(name, ())]
        selected = filters.get(name) or ""
        if selected and selected not in {v for v, _ in values}:
            values.insert(0, (selected, None))
        if values:
            groups.append(FacetGroup(name, label, selected, values))
    return groups


def stock_state(stock: int) -> tuple[str, str]:
    """("ok"|"low"|"out", Chinese label) for the picker, from the catalogue's stock bands."""
    status, label = catalog.stock_status(stock)
    return {catalog.STOCK_SOLD_OUT: "out", catalog.STOCK_LOW: "low"}.get(status, "ok"), label


def product_page(product) -> dict[str, Any]:
    """Context of the product page: the SKUs the picker offers, the dimensions that actually vary, the
    price range, spec sheet rows and description paragraphs."""
    skus = list(product.active_skus)  # active only, cheapest first (catalog.queries.product_detail)
    axes = catalog.spec_axes(skus)
    sku_data = []
    for s in skus:
        state, stock_label = stock_state(s.stock)
        specs = {
            "cpu": s.cpu,
            "memory": s.memory,
            "storage": s.storage,
            "colour": s.colour,
            **{str(k): str(v) for k, v in s.extra_specs.items()},
        }
        sku_data.append(
            {
                "id": s.pk,
                "specs": {axis.key: specs.get(axis.key, "") for axis in axes},
                "label": s.spec_label or "标准版",
                "price": s.price,
                "list_price": s.list_price,
                "stock": s.stock,
                "state": state,
                "stock_label": stock_label,
            }
        )
    dimensions = [{"key": axis.key, "label": axis.label, "options": axis.values} for axis in axes]
    prices = [s.price for s in skus]
    in_stock = [s for s in skus if s.stock > 0]
    initial = min(in_stock or skus, key=lambda s: (s.price, s.pk), default=None)
    # Editor-written HTML is cleaned again as it is shown (defence in depth); plain text becomes paragraphs.
    html = richtext.clean(product.description) if richtext.is_html(product.description) else ""
    description = [] if html else [p.strip() for p in (product.description or "").split("\n") if p.strip()]
    return {
        "product": product,
        # Titles usually start with the brand ("小米 Redmi Book…"): a badge then would say it twice.
        "brand_badge": "" if product.title.startswith(product.brand) else product.brand,
        "images": list(product.images or []),
        "skus": skus,
        "sku_data": sku_data,
        "dimensions": dimensions,
        "price_low": min(prices, default=None),
        "price_high": max(prices, default=None),
        "initial_sku": initial,
        "sold_out": not in_stock,
        "spec_rows": list((product.specs or {}).items()),
        "description": description,
        "description_html": mark_safe(html),  # noqa: S308 (sanitised by nh3 just above)
    }


def qr_svg(data: str) -> str:
    """`data` as an inline SVG QR code (inline, so the CSP needs no image source for it)."""
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()
