from django.contrib import admin

from wxmall.core.money_admin import MoneyAdminMixin, fen_column

from .models import AdSpend, ArticleDay, Experiment, Rollout


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


@admin.register(ArticleDay)
class ArticleDayAdmin(admin.ModelAdmin):
    """WeChat's own figures, pulled by the datacube job: read only (the next pull would overwrite an edit)."""

    list_display = ("day", "msgid", "title", "read_users", "reads", "shares", "updated_at")
    search_fields = ("msgid", "title")
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
