"""Console display of rates: basis points in, "12.5%" out (integers only)."""

from django import template

register = template.Library()


@register.filter(name="bp")
def bp_filter(value) -> str:
    whole, rest = divmod(int(value or 0), 100)
    return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") + "%"
