"""Staff views of payments: attempts (flagged ones first to look at), refunds, the raw notification inbox.
Refunds are made through `actions.refund_order` (never by editing rows)."""

from django.contrib import admin, messages

from wxmall.core.errors import DomainError

from . import actions
from .models import Notification, Payment, ReconciliationDifference, Refund


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = (
        "out_trade_no",
        "method",
        "status",
        "amount",
        "paid_amount",
        "transaction_id",
        "flag_reason",
        "created_at",
    )
    list_filter = ("status", "method")
    search_fields = ("out_trade_no", "transaction_id", "order__order_no")
    readonly_fields = [f.name for f in Payment._meta.fields]
    actions = ("refund_remaining",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="退还剩余全部金额（同意退款）")
    def refund_remaining(self, request, queryset):
        for payment in queryset:
            try:
                refund = actions.refund_order(payment.order_id, None, "商家同意退款", staff=request.user)
            except DomainError as error:
                self.message_user(request, f"{payment.out_trade_no}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request, f"已提交退款 {refund.out_refund_no}（{refund.amount / 100:.2f} 元）"
                )


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ("out_refund_no", "order", "amount", "status", "reason", "completes_order", "created_at")
    list_filter = ("status",)
    search_fields = ("out_refund_no", "order__order_no")
    readonly_fields = [f.name for f in Refund._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("notify_id", "event_type", "outcome", "detail", "deliveries", "serial", "received_at")
    list_filter = ("outcome", "event_type")
    search_fields = ("notify_id",)
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReconciliationDifference)
class ReconciliationDifferenceAdmin(admin.ModelAdmin):
    """Read-only: differences are found by reconciliation and resolved in 控制台 → 支付对账 (audited)."""

    list_display = (
        "bill_date",
        "reference",
        "kind",
        "wechat_amount",
        "local_amount",
        "status",
        "resolved_by",
    )
    list_filter = ("status", "kind", "bill_date")
    search_fields = ("reference", "out_trade_no", "transaction_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
