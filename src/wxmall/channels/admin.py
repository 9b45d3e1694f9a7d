"""Read-mostly admin views of the channels records (the console is where staff work)."""

from django.contrib import admin

from wxmall.core.money_admin import fen_column, in_yuan

from .models import Attribution, CalendarEntry, Commission, LiveSession, Reversal, Sharer, ShortVideo


@admin.register(CalendarEntry)
class CalendarEntryAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "kind", "title", "reminded_at")
    list_filter = ("kind",)


@admin.register(LiveSession)
class LiveSessionAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "starts_at", "viewers", "export_id")
    list_filter = ("status",)


@admin.register(ShortVideo)
class ShortVideoAdmin(admin.ModelAdmin):
    list_display = ("title", "export_id", "product", "link")


@admin.register(Sharer)
class SharerAdmin(admin.ModelAdmin):
    list_display = ("nickname", "openid", "kind", "bound", "receiver_type", "receiver_added_at")
    list_filter = ("kind", "bound")
    search_fields = ("nickname", "openid")
    # The real name is personal data collected with consent: set through the console form (audited), not here.
    exclude = ("real_name",)
    readonly_fields = ("name_consent_at",)


class ReversalInline(admin.TabularInline):
    model = Reversal
    fk_name = "commission"
    extra = 0
    can_delete = False
    fields = readonly_fields = ("ref", "amount_yuan", "status", "out_return_no", "failure", "created_at")
    amount_yuan = fen_column("amount", "冲销金额")


@admin.register(Commission)
class CommissionAdmin(admin.ModelAdmin):
    """Money records: read-only here; state moves only through the settlement flow."""

    list_display = (
        "order",
        "sharer",
        "amount_yuan",
        "reversed_amount_yuan",
        "method",
        "status",
        "settle_after",
    )
    list_filter = ("status", "method")
    inlines = [ReversalInline]
    _money = ("base", "amount", "reversed_amount", "paid_amount")
    base_yuan = fen_column("base", "计佣金额")
    amount_yuan = fen_column("amount", "佣金")
    reversed_amount_yuan = fen_column("reversed_amount", "已冲销")
    paid_amount_yuan = fen_column("paid_amount", "实付佣金")

    def get_fields(self, request, obj=None):
        return in_yuan([f.name for f in self.model._meta.concrete_fields if f.name != "id"], self._money)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Attribution)
class AttributionAdmin(admin.ModelAdmin):
    list_display = ("order", "source", "sharer", "live", "video", "finder_id")
    list_filter = ("source",)
