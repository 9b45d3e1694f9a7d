from django.contrib import admin

from .models import Invoice, InvoiceEvent, InvoiceOrder, InvoiceTitle, WechatInvoiceSetup


class InvoiceOrderInline(admin.TabularInline):
    model = InvoiceOrder
    extra = 0
    readonly_fields = ("order", "amount", "active")
    can_delete = False


class InvoiceEventInline(admin.TabularInline):
    model = InvoiceEvent
    extra = 0
    readonly_fields = ("created_at", "kind", "detail", "actor")
    can_delete = False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Read-only: invoices change through the desk (/console/invoices/), which keeps the state machine."""

    list_display = (
        "number",
        "status",
        "invoice_type",
        "buyer_name",
        "total",
        "platform_invoice_no",
        "created_at",
    )
    list_filter = ("status", "invoice_type", "wechat_status")
    search_fields = ("number", "buyer_name", "platform_invoice_no", "buyer_tax_id")
    inlines = (InvoiceOrderInline, InvoiceEventInline)
    exclude = ("pdf", "red_pdf")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(InvoiceTitle)
class InvoiceTitleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "tax_id", "customer", "created_at")
    search_fields = ("name", "tax_id")


admin.site.register(WechatInvoiceSetup)
