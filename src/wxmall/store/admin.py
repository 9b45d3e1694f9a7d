"""Read-only admin views of what the Store sync recorded (changes go through the console page)."""

from django.contrib import admin

from .models import StockDrift, StockRun, StoreEvent, StoreOrder, StoreProduct


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StoreEvent)
class StoreEventAdmin(ReadOnly):
    list_display = ("event", "business_id", "create_time", "received_at", "processed_at", "attempts", "error")
    list_filter = ("event",)
    search_fields = ("business_id",)


@admin.register(StoreProduct)
class StoreProductAdmin(ReadOnly):
    list_display = ("product", "store_product_id", "state", "reason", "updated_at")
    list_filter = ("state",)


@admin.register(StoreOrder)
class StoreOrderAdmin(ReadOnly):
    list_display = ("store_order_id", "order", "store_status", "finder_id", "order_scene", "created_at")
    search_fields = ("store_order_id",)


@admin.register(StockRun)
class StockRunAdmin(ReadOnly):
    list_display = ("started_at", "finished_at", "checked", "drifted", "repaired", "failed", "error")


@admin.register(StockDrift)
class StockDriftAdmin(ReadOnly):
    list_display = ("run", "store_sku", "local_stock", "store_stock", "repaired", "error")
