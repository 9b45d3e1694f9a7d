"""Orders in Django admin. Status is never edited directly: staff move orders with the actions
(确认收货 / 完成 / 取消), which go through `orders.actions.transition` and so leave an audit event.
Shipping needs a courier and a tracking number, so 发货 only opens the console's shipping page
(fulfilment checks both there, as for every shipment).
Lists show personal data masked; the change page shows the full address to staff who ship the order."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse

from wxmall.core.errors import DomainError
from wxmall.core.masking import mask_name, mask_phone
from wxmall.core.money_admin import fen_column

from . import actions
from .models import Order, OrderEvent, OrderLine


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "product_title",
        "spec_label",
        "sku",
        "unit_price_yuan",
        "quantity",
        "line_total_yuan",
        "flash_sale",
    )
    readonly_fields = fields
    unit_price_yuan = fen_column("unit_price", "单价")
    line_total_yuan = fen_column("line_total", "小计")


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "from_status", "to_status", "actor_kind", "actor", "reason")
    readonly_fields = fields


def _run(modeladmin, request, queryset, verb: str, fn) -> None:
    done, failed = 0, []
    # One transaction per order: a refused one does not undo the others.
    for order_id, order_no in queryset.order_by("pk").values_list("pk", "order_no"):
        try:
            fn(order_id, request.user)
            done += 1
        except DomainError as exc:
            failed.append(f"{order_no}：{exc.message}")
    if done:
        modeladmin.message_user(request, f"已{verb} {done} 个订单", messages.SUCCESS)
    for line in failed:
        modeladmin.message_user(request, line, messages.ERROR)


@admin.action(description="发货（到控制台填写快递公司和运单号）", permissions=["change"])
def ship(modeladmin, request, queryset):
    """Ships nothing here: one order opens its console shipping page, several open the awaiting list."""
    order_ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:2])
    if len(order_ids) == 1:
        return redirect(reverse("console:fulfilment_order", args=[order_ids[0]]))
    modeladmin.message_user(request, "请在待发货列表中逐个订单填写快递公司和运单号后发货", messages.INFO)
    return redirect(reverse("console:fulfilment"))


@admin.action(description="确认收货", permissions=["change"])
def deliver(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, "确认收货", actions.deliver)


@admin.action(description="完成订单", permissions=["change"])
def complete(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, "完成", actions.complete)


@admin.action(description="取消订单（仅待支付）", permissions=["change"])
def cancel(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, "取消", actions.cancel_by_staff)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "order_no",
        "user",
        "status",
        "total_yuan",
        "recipient_masked",
        "phone_masked",
        "created_at",
        "paid_at",
    )
    list_filter = ("status", "created_at", "paid_at")
    date_hierarchy = "created_at"
    search_fields = ("order_no", "user__username", "user__nickname", "payment_transaction_id")
    list_select_related = ("user",)
    actions = (ship, deliver, complete, cancel)
    inlines = (OrderLineInline, OrderEventInline)
    fieldsets = (
        ("订单", {"fields": ("order_no", "user", "status", "refund_from_status", "channel", "note")}),
        (
            "金额",
            {
                "fields": (
                    "subtotal_yuan",
                    "discount_yuan",
                    "points_used",
                    "points_discount_yuan",
                    "shipping_fee_yuan",
                    "total_yuan",
                    "coupon",
                    "payment_transaction_id",
                )
            },
        ),
        ("收货信息", {"fields": ("ship_recipient", "ship_phone", "ship_address")}),
        (
            "时间",
            {
                "fields": (
                    "created_at",
                    "expires_at",
                    "paid_at",
                    "shipped_at",
                    "delivered_at",
                    "completed_at",
                    "cancelled_at",
                    "refund_requested_at",
                    "refunded_at",
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False  # orders are placed by customers through checkout

    def has_delete_permission(self, request, obj=None):
        return False  # the audit trail must survive

    subtotal_yuan = fen_column("subtotal", "商品金额")
    discount_yuan = fen_column("discount", "优惠金额")
    points_discount_yuan = fen_column("points_discount", "积分抵扣金额")
    shipping_fee_yuan = fen_column("shipping_fee", "运费")
    total_yuan = fen_column("total", "应付金额")

    @admin.display(description="收货人")
    def recipient_masked(self, obj):
        return mask_name(obj.ship_recipient)

    @admin.display(description="手机号")
    def phone_masked(self, obj):
        return mask_phone(obj.ship_phone)

    @admin.display(description="收货地址")
    def ship_address(self, obj):
        return obj.ship_full_address
