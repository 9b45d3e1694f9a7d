from django.contrib import admin

from wxmall.core.money_admin import MoneyAdminMixin, fen_column

from .models import AdSpend, Experiment, Rollout


@admin.register(AdSpend)
class AdSpendAdmin(MoneyAdminMixin, admin.ModelAdmin):
    money_fields = ("spend",)  # typed in yuan
    list_display = ("day", "campaign", "spend_yuan", "impressions", "clicks", "updated_at")
    spend_yuan = fen_column("spend", "花费")
    list_filter = ("campaign",)
    search_fields = ("campaign",)
    date_hierarchy = "day"


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "variants", "status", "winner", "created_at")
    list_filter = ("status",)
    search_fields = ("key", "name")

    def get_readonly_fields(self, request, obj=None):
        # A running test's key and variants are its assignment: changing them would reshuffle visitors.
        return ("key", "variants", "status", "winner") if obj else ("status", "winner")


@admin.register(Rollout)
class RolloutAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "segment", "percent", "updated_at")
    list_filter = ("segment",)
    search_fields = ("key", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("key",) if obj else ()  # the key is the hash seed: renaming would reshuffle everyone
