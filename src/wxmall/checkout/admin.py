"""Coupons and flash sales in Django admin. The counters (`used_count`, `sold`) are read-only here:
they only move through checkout's guarded UPDATEs, so an admin save can never undo a concurrent sale."""

from django import forms
from django.contrib import admin

from wxmall.core.money import yuan

from .models import Coupon, CouponRedemption, FlashSale, FlashSalePurchase


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CouponRedemptionInline(ReadOnlyInline):
    model = CouponRedemption
    fields = readonly_fields = ("order", "user", "discount", "created_at")


class CouponForm(forms.ModelForm):
    """A coupon name with a blocking advertising-law hit is refused (compliance scanner)."""

    def clean(self):
        from wxmall.compliance.forms import refuse_blocking_copy

        cleaned = super().clean()
        refuse_blocking_copy(cleaned, {"name": "coupon"})
        return cleaned


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    form = CouponForm
    list_display = (
        "code",
        "name",
        "kind",
        "describe",
        "starts_at",
        "ends_at",
        "usage",
        "per_user_limit",
        "is_active",
    )
    list_filter = ("is_active", "kind")
    search_fields = ("code", "name")
    list_editable = ("is_active",)
    readonly_fields = ("used_count", "created_at")
    inlines = (CouponRedemptionInline,)

    @admin.display(description="规则")
    def describe(self, obj):
        return obj.describe

    @admin.display(description="已用 / 总量")
    def usage(self, obj):
        return f"{obj.used_count} / {obj.total_quota if obj.total_quota is not None else '不限'}"


class FlashSalePurchaseInline(ReadOnlyInline):
    model = FlashSalePurchase
    fields = readonly_fields = ("order", "user", "quantity", "created_at")


@admin.register(FlashSale)
class FlashSaleAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "sku",
        "price_yuan",
        "progress",
        "per_user_limit",
        "starts_at",
        "ends_at",
        "is_active",
    )
    list_filter = ("is_active",)
    search_fields = ("title", "sku__code", "sku__product__title")
    list_select_related = ("sku__product",)
    raw_id_fields = ("sku",)
    readonly_fields = ("sold", "created_at")
    inlines = (FlashSalePurchaseInline,)

    @admin.display(description="秒杀价", ordering="price")
    def price_yuan(self, obj):
        return f"¥{yuan(obj.price)}"

    @admin.display(description="已售 / 库存")
    def progress(self, obj):
        return f"{obj.sold} / {obj.quota}"
