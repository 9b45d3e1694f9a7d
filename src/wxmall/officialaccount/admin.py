from django import forms
from django.contrib import admin

from . import rules
from .models import Follower, FollowerEvent, InboundMessage, ReplyRule

RULE_FIELDS = [
    "name", "trigger", "match", "pattern", "reply_type", "text", "title", "description", "url", "pic_url",
    "priority", "is_active",
]  # fmt: skip


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


class ReplyRuleForm(forms.ModelForm):
    """Patterns are bounded and compiled, and reply copy passes the compliance scanner, before a save."""

    url = forms.URLField(label="链接", max_length=1024, required=False, assume_scheme="https")
    pic_url = forms.URLField(label="图片链接", max_length=1024, required=False, assume_scheme="https")

    class Meta:
        model = ReplyRule
        fields = RULE_FIELDS

    def clean(self):
        from wxmall.compliance.forms import refuse_blocking_copy

        cleaned = super().clean()
        rules.clean_rule(cleaned, self.add_error)
        refuse_blocking_copy(cleaned, {"text": "oa_reply", "title": "oa_reply", "description": "oa_reply"})
        return cleaned


@admin.register(ReplyRule)
class ReplyRuleAdmin(admin.ModelAdmin):
    form = ReplyRuleForm
    list_display = ("name", "trigger", "match", "pattern", "reply_type", "priority", "is_active")
    list_filter = ("trigger", "reply_type", "is_active")
    search_fields = ("name", "pattern", "text")
