from django.contrib import admin

from .forms import ReplyRuleForm
from .models import (
    Attribution,
    Follower,
    FollowerEvent,
    FollowerTag,
    InboundMessage,
    Notification,
    ReplyRule,
    SceneCode,
)


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "msg_type", "event", "openid", "short_content", "mode", "processed_at")
    list_filter = ("msg_type", "event", "mode")
    search_fields = ("openid", "msg_id")
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    @admin.display(description="内容")
    def short_content(self, obj: InboundMessage) -> str:
        return (obj.content or obj.event_key)[:40]

    def has_add_permission(self, request) -> bool:
        return False  # the raw record of what WeChat pushed is never written by hand

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class FollowerEventInline(admin.TabularInline):
    model = FollowerEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "detail", "at")
    exclude = ("inbound",)


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    list_display = ("openid", "subscribed", "first_scene", "last_subscribed_at", "last_interaction_at")
    list_filter = ("subscribed",)
    search_fields = ("openid", "first_scene")
    readonly_fields = [f.name for f in Follower._meta.fields]
    inlines = [FollowerEventInline]

    def save_related(self, request, form, formsets, change):
        # Tag edits go through tags.py, so WeChat follows (an untagging is sent by the next sync).
        from . import tags

        follower = form.instance
        before = set(follower.tags.all()) if change else set()
        wanted = set(form.cleaned_data.get("tags") or [])
        form.cleaned_data["tags"] = list(before)  # the M2M is written by tags.py below, not by the form
        super().save_related(request, form, formsets, change)
        for tag in wanted - before:
            tags.tag_followers(tag, [follower])
        for tag in before - wanted:
            tags.untag_followers(tag, [follower])


@admin.register(ReplyRule)
class ReplyRuleAdmin(admin.ModelAdmin):
    form = ReplyRuleForm
    list_display = ("name", "trigger", "match", "pattern", "reply_type", "priority", "is_active")
    list_filter = ("trigger", "reply_type", "is_active")
    search_fields = ("name", "pattern", "text")


@admin.register(FollowerTag)
class FollowerTagAdmin(admin.ModelAdmin):
    list_display = ("name", "wechat_id", "created_at")
    search_fields = ("name",)
    readonly_fields = ("wechat_id",)


@admin.register(SceneCode)
class SceneCodeAdmin(admin.ModelAdmin):
    """Codes are made on WeChat from the console (公众号 → 场景二维码); here they are read and re-tagged."""

    list_display = ("name", "scene", "kind", "tag", "created_at")
    readonly_fields = ("scene", "ticket", "url")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Attribution)
class AttributionAdmin(admin.ModelAdmin):
    list_display = ("at", "scene", "code", "follower", "subscribed")
    list_filter = ("subscribed",)
    readonly_fields = [f.name for f in Attribution._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "order", "kind", "channel", "status", "errcode", "job_status")
    list_filter = ("kind", "channel", "status")
    search_fields = ("order__order_no", "openid")
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
