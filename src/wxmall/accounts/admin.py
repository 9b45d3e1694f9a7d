from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User, WeChatIdentity


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
