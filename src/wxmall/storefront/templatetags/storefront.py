"""Display helpers for the storefront templates. Amounts arrive as integer fen and leave as ¥1,299.00."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template

from wxmall.core.money import format_yuan, yuan
from wxmall.core.templatetags.wxmall_money import fen_filter

register = template.Library()
register.filter("fen", fen_filter)  # the one display filter, under the name these templates use


def format_fen(fen: int | None) -> str:
    """129900 -> '¥1,299.00'; negative amounts (discounts) keep their sign in front: '-¥20.00'."""
    if fen is None or fen == "":
        return ""
    return format_yuan(fen)


@register.filter(name="yuan")
def yuan_filter(value) -> str:
    """Fen as a plain yuan number for form fields: 129950 -> '1299.50'."""
    return "" if value is None or value == "" else yuan(value)


@register.simple_tag
def price_range(low: int | None, high: int | None) -> str:
    """'¥4,999.00' when one price, '¥4,999.00 – ¥6,999.00' for a product whose SKUs differ in price."""
    if low is None:
        return ""
    if high is None or high == low:
        return format_fen(low)
    return f"{format_fen(low)} – {format_fen(high)}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None or '' removes one). Changing any
    filter resets the page unless `page` itself is what changes."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = urlencode(sorted((k, v) for k in params for v in params.getlist(k)))
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def query_set(context, name: str, value) -> str:
    """`query_with` for a parameter whose name is itself a variable (facet chips)."""
    return query_with(context, **{name: value})
