"""`{% if request.user|may_open:"console:payments" %}`: the nav shows a page only to staff who may open it."""

from django import template

from wxmall.console import access

register = template.Library()


@register.filter
def may_open(user, view_name: str) -> bool:
    return access.may_open(user, view_name)
