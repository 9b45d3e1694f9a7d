"""Read-mostly admin views of the channels records (the console is where staff work)."""

from django.contrib import admin

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
    readonly_fields = ("ref", "amount", "status", "out_return_no", "failure", "created_at")


@admin.register(Commission)
class CommissionAdmin(admin.ModelAdmin):
    """Money records: read-only here; state moves only through the settlement flow."""

    list_display = ("order", "sharer", "amount", "reversed_amount", "method", "status", "settle_after")
    list_filter = ("status", "method")
    inlines = [ReversalInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Attribution)
class AttributionAdmin(admin.ModelAdmin):
    list_display = ("order", "source", "sharer", "live", "video", "finder_id")
    list_filter = ("source",)
