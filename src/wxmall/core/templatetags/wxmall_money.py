"""`{% load wxmall_money %}{{ order.total|fen }}`: integer fen in, ¥4,249.00 out, for every template."""

from django import template

from wxmall.core.money import format_yuan

register = template.Library()


@register.filter(name="fen")
def fen_filter(value) -> str:
    return "" if value is None or value == "" else format_yuan(value)
