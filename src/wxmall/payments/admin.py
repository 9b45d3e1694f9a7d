"""Staff views of payments: attempts (flagged ones first to look at), refunds, the raw notification inbox.
Refunds are made through `actions.refund_order` (never by editing rows)."""

from django.contrib import admin, messages

from wxmall.core.errors import DomainError
from wxmall.core.money import format_yuan
from wxmall.core.money_admin import fen_column, in_yuan

from . import actions
from .models import Notification, Payment, ReconciliationDifference, Refund


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = (
        "out_trade_no",
        "method",
        "status",
        "amount_yuan",
        "paid_amount_yuan",
        "transaction_id",
        "flag_reason",
        "created_at",
    )
    list_filter = ("status", "method")
    search_fields = ("out_trade_no", "transaction_id", "order__order_no")
    readonly_fields = in_yuan([f.name for f in Payment._meta.fields], ("amount", "paid_amount"))
    actions = ("refund_remaining",)
    exclude = ("amount", "paid_amount")  # shown read-only, in yuan
    amount_yuan = fen_column("amount", "金额")
    paid_amount_yuan = fen_column("paid_amount", "实付金额")

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
                    request, f"已提交退款 {refund.out_refund_no}（{format_yuan(refund.amount)}）"
                )


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = (
        "out_refund_no",
        "order",
        "amount_yuan",
        "status",
        "reason",
        "completes_order",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("out_refund_no", "order__order_no")
    readonly_fields = in_yuan([f.name for f in Refund._meta.fields], ("amount",))
    exclude = ("amount",)
    amount_yuan = fen_column("amount", "退款金额")

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
        "wechat_amount_yuan",
        "local_amount_yuan",
        "status",
        "resolved_by",
    )
    exclude = ("wechat_amount", "local_amount")
    readonly_fields = ("wechat_amount_yuan", "local_amount_yuan")
    wechat_amount_yuan = fen_column("wechat_amount", "微信金额")
    local_amount_yuan = fen_column("local_amount", "本地金额")
    list_filter = ("status", "kind", "bill_date")
    search_fields = ("reference", "out_trade_no", "transaction_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
