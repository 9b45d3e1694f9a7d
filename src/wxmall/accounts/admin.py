from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "nickname", "is_staff", "date_joined")
    fieldsets = (*BaseUserAdmin.fieldsets, ("微信资料", {"fields": ("nickname", "avatar_url")}))
