"""Masking filters for console pages (core.masking), so templates never slice personal data themselves."""

from django import template

from wxmall.core import masking

register = template.Library()


@register.filter
def masked_phone(value) -> str:
    return masking.mask_phone(str(value or "")) or "—"


@register.filter
def masked_name(value) -> str:
    return masking.mask_name(str(value or "")) or "—"


@register.filter
def masked_id(value) -> str:
    """An openid/unionid: the first six characters, enough to match it with WeChat's own records."""
    value = str(value or "")
    return f"{value[:6]}…" if value else "—"
