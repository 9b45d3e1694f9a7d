"""Pickup stores are edited here; pickup orders are read-only (codes move only through `actions`)."""

from django.contrib import admin

from .models import PickupEvent, PickupOrder, PickupStore


@admin.register(PickupStore)
class PickupStoreAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "hours", "phone", "active")
    list_filter = ("active",)
    search_fields = ("name", "address")


class PickupEventInline(admin.TabularInline):
    model = PickupEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("kind", "actor", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PickupOrder)
class PickupOrderAdmin(admin.ModelAdmin):
    # The code itself is not listed: whoever reads it can hand the goods over.
    list_display = ("order", "store_name", "code_issued_at", "verified_at", "verified_by", "voided_at")
    list_filter = ("store",)
    search_fields = ("order__order_no",)
    fields = readonly_fields = (
        "order",
        "store",
        "store_name",
        "store_address",
        "store_hours",
        "store_phone",
        "code_issued_at",
        "verified_at",
        "verified_by",
        "voided_at",
        "created_at",
    )
    inlines = [PickupEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
