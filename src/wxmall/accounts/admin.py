from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect

from wxmall.core.errors import DomainError
from wxmall.core.money_admin import MoneyAdminMixin, fen_column

from . import actions, points
from .models import CustomerMerge, Member, MembershipLevel, PointsEntry, User, WeChatIdentity


class WeChatIdentityInline(admin.TabularInline):
    model = WeChatIdentity
    extra = 0
    fields = ("appid", "openid", "unionid", "kind", "nickname", "created_at", "last_login_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "nickname", "is_staff", "date_joined")
    fieldsets = (*BaseUserAdmin.fieldsets, ("微信资料", {"fields": ("nickname", "avatar_url")}))
    inlines = (WeChatIdentityInline,)


@admin.register(WeChatIdentity)
class WeChatIdentityAdmin(admin.ModelAdmin):
    list_display = ("appid", "openid", "unionid", "kind", "user", "last_login_at")
    list_filter = ("kind", "appid")
    search_fields = ("openid", "unionid", "user__username", "user__nickname")
    readonly_fields = ("user", "appid", "openid", "unionid", "kind", "created_at", "last_login_at")


@admin.register(MembershipLevel)
class MembershipLevelAdmin(MoneyAdminMixin, admin.ModelAdmin):
    list_display = ("rank", "name", "min_paid_total_yuan", "min_points")
    money_fields = ("min_paid_total",)
    min_paid_total_yuan = fen_column("min_paid_total", "累计消费门槛")


class PointsAdjustForm(forms.Form):
    delta = forms.IntegerField(label="积分变动（负数为扣减）")
    reason = forms.CharField(label="原因", max_length=200)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    """Balances are read-only here: staff change them only through the audited adjustment action."""

    list_display = ("user", "points", "paid_total_yuan", "level", "source", "joined_at")
    readonly_fields = ("user", "points", "paid_total_yuan", "level", "source", "joined_at")
    exclude = ("paid_total",)
    paid_total_yuan = fen_column("paid_total", "累计消费")
    search_fields = ("user__username", "user__nickname")

    def has_add_permission(self, request) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        member = self.get_object(request, object_id)
        if member is not None and request.method == "POST" and "_adjust_points" in request.POST:
            form = PointsAdjustForm(request.POST)
            if form.is_valid():
                try:
                    points.adjust(
                        member.user,
                        form.cleaned_data["delta"],
                        staff=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    self.message_user(request, "积分已调整")
                except DomainError as exc:
                    self.message_user(request, exc.message, level=messages.ERROR)
            else:
                self.message_user(request, "请填写积分变动与原因", level=messages.ERROR)
            return redirect(request.path)
        extra_context = {**(extra_context or {}), "adjust_form": PointsAdjustForm()}
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(PointsEntry)
class PointsEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "delta", "balance_after", "order_no", "staff", "reason")
    list_filter = ("kind",)
    search_fields = ("user__username", "order_no")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CustomerMerge)
class CustomerMergeAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "source",
        "target",
        "staff",
        "points_moved",
        "reversible_until",
        "reversed_at",
    )
    readonly_fields = [f.name for f in CustomerMerge._meta.fields]
    actions = ("reverse_selected",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="撤销所选合并")
    def reverse_selected(self, request, queryset):
        for merge in queryset:
            try:
                actions.reverse_merge(merge.pk, staff=request.user)
                self.message_user(request, f"已撤销合并 {merge}")
            except DomainError as exc:
                self.message_user(request, f"{merge}：{exc.message}", level=messages.ERROR)
