from django.contrib import admin

from wxmall.core.money_admin import fen_column, in_yuan

from .models import Invoice, InvoiceEvent, InvoiceOrder, InvoiceTitle, WechatInvoiceSetup


class InvoiceOrderInline(admin.TabularInline):
    model = InvoiceOrder
    extra = 0
    fields = readonly_fields = ("order", "amount_yuan", "active")
    can_delete = False
    amount_yuan = fen_column("amount", "开票金额")


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
        "total_yuan",
        "platform_invoice_no",
        "created_at",
    )
    list_filter = ("status", "invoice_type", "wechat_status")
    search_fields = ("number", "buyer_name", "platform_invoice_no", "buyer_tax_id")
    inlines = (InvoiceOrderInline, InvoiceEventInline)
    exclude = ("pdf", "red_pdf")
    _money = ("amount", "tax", "total")
    amount_yuan = fen_column("amount", "金额(不含税)")
    tax_yuan = fen_column("tax", "税额")
    total_yuan = fen_column("total", "价税合计")

    def get_fields(self, request, obj=None):
        names = [f.name for f in self.model._meta.concrete_fields if f.name not in ("id", *self.exclude)]
        return in_yuan(names, self._money)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(InvoiceTitle)
class InvoiceTitleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "tax_id", "customer", "created_at")
    search_fields = ("name", "tax_id")


admin.site.register(WechatInvoiceSetup)
