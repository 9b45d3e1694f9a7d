from time import time

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from wxmall.audit.actions import record
from wxmall.core.errors import DomainError
from wxmall.core.masking import mask_email, mask_name, mask_phone
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


# Personal data on the user page: masked (and not editable) for staff without the reveal permission; a
# permitted member of staff reveals one user's data for REVEAL_SECONDS with an audited POST, as on the
# customers desk (customers.actions.reveal).
REVEAL_PERMISSION = "console.reveal_personal_data"
REVEAL_SECONDS = 300
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone")
MASKED_FIELDS = ("masked_name", "masked_email", "masked_phone", "reveal_control")


def _reveal_key(user_id: int) -> str:
    return f"admin.reveal.user.{user_id}"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "nickname", "is_staff", "date_joined")
    fieldsets = (*BaseUserAdmin.fieldsets, ("微信资料", {"fields": ("nickname", "avatar_url")}))
    inlines = (WeChatIdentityInline,)

    def get_search_fields(self, request):
        # Searching by name or email would confirm personal data the page masks: only for staff who may
        # reveal it (the username and WeChat nickname are shown to every member of staff anyway).
        if request.user.has_perm(REVEAL_PERMISSION):
            return (*super().get_search_fields(request), "nickname")
        return ("username", "nickname")

    def revealed(self, request, obj) -> bool:
        """Whether this request shows `obj`'s personal data in full (the add page has none to hide)."""
        if obj is None:
            return True
        until = request.session.get(_reveal_key(obj.pk), 0)
        return request.user.has_perm(REVEAL_PERMISSION) and isinstance(until, int | float) and until > time()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        shown = (
            ("first_name", "last_name", "email", "phone") if self.revealed(request, obj) else MASKED_FIELDS
        )
        return tuple(
            (name, {**opts, "fields": shown}) if "email" in opts.get("fields", ()) else (name, opts)
            for name, opts in fieldsets
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        # The phone is the number WeChat vouched for: shown, never typed over here.
        return (*readonly, "phone") if self.revealed(request, obj) else (*readonly, *MASKED_FIELDS)

    @admin.display(description="姓名")
    def masked_name(self, obj) -> str:
        return mask_name(f"{obj.last_name}{obj.first_name}") or "-"

    @admin.display(description="电子邮箱")
    def masked_email(self, obj) -> str:
        return mask_email(obj.email) or "-"

    @admin.display(description="手机号")
    def masked_phone(self, obj) -> str:
        return mask_phone(obj.phone) or "-"

    @admin.display(description="完整个人信息")
    def reveal_control(self, obj):
        # A submit button of the change form itself (a nested form is not allowed), posting to reveal.
        return format_html(
            '<button type="submit" formaction="{}" formnovalidate name="_reveal">查看完整信息（将记录审计日志）</button>',
            reverse("admin:accounts_user_reveal", args=(obj.pk,)),
        )

    def get_urls(self):
        extra = [
            path(
                "<int:user_id>/reveal/",
                self.admin_site.admin_view(self.reveal_view),
                name="accounts_user_reveal",
            )
        ]
        return extra + super().get_urls()

    def reveal_view(self, request, user_id: int):
        """POST only; audited whether allowed or refused (refused: 403 and nothing shown)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = self.get_object(request, str(user_id))
        if user is None or not self.has_view_or_change_permission(request, user):
            raise PermissionDenied
        allowed = request.user.has_perm(REVEAL_PERMISSION)
        with transaction.atomic():
            record(
                request.user,
                "customer.reveal" if allowed else "customer.reveal_denied",
                ("accounts.user", user.pk, user.display_name),
                "在后台用户页查看了完整个人信息"
                if allowed
                else "试图在后台用户页查看完整个人信息，无权限，已拒绝",
                detail={"fields": ["姓名", "电子邮箱", "手机号"], "via": "admin"},
                request=request,
            )
        if not allowed:
            raise PermissionDenied
        request.session[_reveal_key(user.pk)] = time() + REVEAL_SECONDS
        return redirect(reverse("admin:accounts_user_change", args=(user.pk,)))


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
