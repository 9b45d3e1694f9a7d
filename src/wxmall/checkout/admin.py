"""Coupons and flash sales in Django admin. The counters (`used_count`, `sold`) are read-only here:
they only move through checkout's guarded UPDATEs, so an admin save can never undo a concurrent sale."""

from django import forms
from django.contrib import admin

from wxmall.core.money import yuan
from wxmall.core.money_admin import MoneyAdminMixin, fen_column
from wxmall.core.money_forms import YuanField

from .models import Coupon, CouponKind, CouponRedemption, FlashSale, FlashSalePurchase


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
    fields = readonly_fields = ("order", "user", "discount_yuan", "created_at")
    discount_yuan = fen_column("discount", "优惠金额")


class CouponForm(forms.ModelForm):
    """`value` is typed in yuan for an amount-off coupon (¥20 → 2000 fen) and as a whole percentage for
    a percent-off one (15 = 15% off). A coupon name with a blocking advertising-law hit is refused
    (compliance scanner)."""

    value = forms.CharField(
        label="面额（元）或折扣（%）",
        max_length=32,
        required=False,  # required with a kind (see clean): forms that leave out `kind` skip it
        help_text="满减券填金额（元）；折扣券填折扣百分比 1–99",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.kind == CouponKind.AMOUNT_OFF and not self.is_bound:
            self.initial["value"] = yuan(self.instance.value)

    def clean(self):
        from wxmall.compliance.forms import refuse_blocking_copy

        cleaned = super().clean()
        raw = str(cleaned.get("value") or "").strip()
        if cleaned.get("kind") and not raw:
            self.add_error("value", "请填写面额（元）或折扣（%）")
        elif cleaned.get("kind") == CouponKind.PERCENT_OFF:
            if not raw.isdigit() or not 1 <= int(raw) <= 99:
                self.add_error("value", "折扣券请填写 1–99 的整数百分比")
            else:
                cleaned["value"] = int(raw)
        elif cleaned.get("kind"):
            try:
                cleaned["value"] = YuanField(min_fen=1).clean(raw)
            except forms.ValidationError as error:
                self.add_error("value", error)
        refuse_blocking_copy(cleaned, {"name": "coupon"})
        return cleaned


@admin.register(Coupon)
class CouponAdmin(MoneyAdminMixin, admin.ModelAdmin):
    form = CouponForm
    money_fields = ("threshold",)
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
    # Counters move only through guarded updates; the claim link is generated (coupons centre).
    readonly_fields = ("used_count", "claimed_count", "claim_token", "created_at")
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
class FlashSaleAdmin(MoneyAdminMixin, admin.ModelAdmin):
    money_fields = {"price": 1}
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

    price_yuan = fen_column("price", "秒杀价")

    @admin.display(description="已售 / 库存")
    def progress(self, obj):
        return f"{obj.sold} / {obj.quota}"
