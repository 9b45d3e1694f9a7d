"""Fulfilment in Django admin: which freight template and weight each product ships with (edited here),
and shipments read-only (they are made by `actions.ship`, which checks the order and what is left to ship)."""

from django.contrib import admin

from .models import ProductFreight, Shipment, ShipmentLine


@admin.register(ProductFreight)
class ProductFreightAdmin(admin.ModelAdmin):
    list_display = ("product", "template", "weight_grams")
    list_filter = ("template",)
    search_fields = ("product__title",)
    autocomplete_fields = ("product",)
    list_select_related = ("product", "template")


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    extra = 0
    can_delete = False
    fields = readonly_fields = ("order_line", "quantity")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("order", "courier_name", "tracking_no", "shipped_by", "created_at")
    search_fields = ("order__order_no", "tracking_no")
    list_select_related = ("order", "shipped_by")
    inlines = (ShipmentLineInline,)
    readonly_fields = ("order", "courier_code", "courier_name", "tracking_no", "shipped_by", "created_at")

    def has_add_permission(self, request):
        return False  # shipped from the console: 控制台 → 发货

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
