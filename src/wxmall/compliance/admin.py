from django.contrib import admin

from .models import MerchantTerm


@admin.register(MerchantTerm)
class MerchantTermAdmin(admin.ModelAdmin):
    list_display = ("term", "severity", "suggestion", "active", "updated_at")
    list_filter = ("severity", "active")
    search_fields = ("term",)
