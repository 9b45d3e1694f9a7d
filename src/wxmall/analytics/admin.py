from django.contrib import admin

from .models import AdSpend


@admin.register(AdSpend)
class AdSpendAdmin(admin.ModelAdmin):
    list_display = ("day", "campaign", "spend_yuan", "impressions", "clicks", "updated_at")
    list_filter = ("campaign",)
    search_fields = ("campaign",)
    date_hierarchy = "day"
