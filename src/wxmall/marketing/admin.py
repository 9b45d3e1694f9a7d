from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .actions import new_code
from .models import Click, Link, VisitorTouch


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "target_url", "campaign", "channel", "is_active", "created_at", "poster")
    list_filter = ("channel", "is_active")
    search_fields = ("code", "name", "campaign", "target_url")
    readonly_fields = ("code",)

    @admin.display(description="海报")
    def poster(self, obj: Link) -> str:
        poster = format_html(
            '<a href="{}" target="_blank">二维码海报</a>',
            reverse("marketing_console:poster", args=[obj.code]),
        )
        if not obj.mp_pagepath:
            return poster
        return format_html(
            '{} · <a href="{}">小程序链接 / 小程序码</a>',
            poster,
            reverse("marketing_console:mp_link", args=[obj.code]),
        )

    def save_model(self, request, obj, form, change):
        if not obj.code:
            obj.code = new_code()  # a collision (1 in 62^7 per existing link) fails the save; save again
        super().save_model(request, obj, form, change)


@admin.register(Click)
class ClickAdmin(admin.ModelAdmin):
    list_display = ("at", "link", "visitor", "in_wechat")
    list_filter = ("in_wechat",)
    readonly_fields = [f.name for f in Click._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(VisitorTouch)
class VisitorTouchAdmin(admin.ModelAdmin):
    list_display = ("visitor", "first_link", "first_at", "last_link", "last_at", "clicks")
    readonly_fields = [f.name for f in VisitorTouch._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
