"""Django admin for the catalogue. Staff rights are Django's model permissions (view/add/change/delete
per model). Two rules beyond stock Django admin:

- every save that can change SKU prices or activity recomputes `Product.min_price`;
- a stock edit is applied as the difference from the value the form showed (`stock.adjust`), so
  units sold while the form was open are not overwritten by a stale number."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, Sum
from django.utils.html import format_html

from wxmall.core.money import yuan

from . import stock
from .actions import refresh_product, set_listed
from .images import image_urls
from .models import SKU, Category, Product
from .queries import stock_status


class SKUForm(forms.ModelForm):
    """Renders the stock it showed in a hidden `initial-…` input, so the save knows what the person
    saw, not what the row holds by the time the form comes back."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "stock" in self.fields:
            self.fields["stock"].show_hidden_initial = True


def _shown_stock(form) -> int:
    """The stock value the form displayed (its hidden initial), or the row's current value if the
    hidden input is missing or not a number."""
    bound = form["stock"]
    field = bound.field
    raw = form._widget_data_value(field.hidden_widget(), bound.html_initial_name)
    try:
        value = field.to_python(raw)
    except ValidationError:
        value = None
    return form.initial.get("stock", 0) if value is None else value


def _save_sku(form, sku: SKU) -> bool:
    """Save a SKU form; an existing SKU's stock moves by the delta typed. False if it would go negative."""
    if sku.pk is None or "stock" not in form.fields:
        sku.save()
        return True
    wanted = sku.stock
    delta = wanted - _shown_stock(form)
    other_fields = [f.name for f in SKU._meta.concrete_fields if not f.primary_key and f.name != "stock"]
    sku.save(update_fields=other_fields)
    applied = stock.adjust(sku.pk, delta)
    sku.refresh_from_db(fields=["stock"])
    return applied


def _stock_refused(request, sku: SKU) -> None:
    messages.warning(
        request, f"{sku.code} 的库存在您编辑期间已变化，调整会使库存小于 0，未修改库存（当前 {sku.stock}）。"
    )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "sort_order", "is_active", "product_total")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_active", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "slug")
    list_select_related = ("parent",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_total=Count("products"))

    @admin.display(description="商品数", ordering="product_total")
    def product_total(self, obj):
        return obj.product_total


class SKUInline(admin.TabularInline):
    model = SKU
    form = SKUForm
    formfield_overrides = {models.JSONField: {"widget": forms.Textarea(attrs={"rows": 1, "cols": 28})}}
    extra = 0
    fields = (
        "code",
        "cpu",
        "memory",
        "storage",
        "colour",
        "extra_specs",
        "price",
        "list_price",
        "stock",
        "is_active",
    )


class BrandFilter(admin.SimpleListFilter):
    title = "品牌"
    parameter_name = "brand"

    def lookups(self, request, model_admin):
        brands = (
            Product.objects.exclude(brand="").order_by("brand").values_list("brand", flat=True).distinct()
        )
        return [(b, b) for b in brands]

    def queryset(self, request, queryset):
        return queryset.filter(brand=self.value()) if self.value() else queryset


class ProductForm(forms.ModelForm):
    """Copy with a blocking advertising-law hit is refused with the hits shown (compliance scanner), and so
    is a category this shop may not sell (shop type, qualifications: compliance.category_rules)."""

    def clean(self):
        from wxmall.compliance.forms import refuse_blocking_copy, refuse_restricted_category

        cleaned = super().clean()
        refuse_blocking_copy(
            cleaned,
            {"title": "product_title", "subtitle": "product_title", "description": "product_description"},
        )
        refuse_restricted_category(cleaned)
        return cleaned


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
    list_display = (
        "thumbnail",
        "title",
        "category",
        "brand",
        "price_display",
        "sku_total",
        "stock_total",
        "sales_count",
        "is_listed",
    )
    list_display_links = ("thumbnail", "title")
    list_editable = ("is_listed",)
    list_filter = ("is_listed", ("category", admin.RelatedOnlyFieldListFilter), BrandFilter)
    search_fields = ("title", "subtitle", "brand", "slug", "skus__code")
    list_select_related = ("category",)
    readonly_fields = ("min_price", "sales_count", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("category", "title", "subtitle", "brand", "slug", "is_listed", "sort_order")}),
        ("详情", {"fields": ("description", "specs", "images")}),
        ("统计", {"fields": ("min_price", "sales_count", "created_at", "updated_at")}),
    )
    inlines = (SKUInline,)
    actions = ("list_products", "delist_products")
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(sku_total=Count("skus"), stock_total=Sum("skus__stock", filter=Q(skus__is_active=True)))
        )

    @admin.display(description="图片")
    def thumbnail(self, obj):
        if not obj.cover:
            return "—"
        return format_html(
            '<img src="{}" alt="" width="48" height="48" style="border-radius:6px">', obj.cover
        )

    @admin.display(description="最低价", ordering="min_price")
    def price_display(self, obj):
        return f"¥{yuan(obj.min_price)}"

    @admin.display(description="SKU 数", ordering="sku_total")
    def sku_total(self, obj):
        return obj.sku_total

    @admin.display(description="可售库存", ordering="stock_total")
    def stock_total(self, obj):
        return obj.stock_total or 0

    @admin.action(description="上架所选商品", permissions=["change"])
    def list_products(self, request, queryset):
        changed = set_listed(queryset.values_list("pk", flat=True), True)
        self.message_user(request, f"已上架 {changed} 个商品。", messages.SUCCESS)

    @admin.action(description="下架所选商品", permissions=["change"])
    def delist_products(self, request, queryset):
        changed = set_listed(queryset.values_list("pk", flat=True), False)
        self.message_user(request, f"已下架 {changed} 个商品。", messages.SUCCESS)

    def save_formset(self, request, form, formset, change):
        if formset.model is not SKU:
            return super().save_formset(request, form, formset, change)
        for sku in formset.save(commit=False):
            sku_form = next(f for f in formset.forms if f.instance is sku)
            if not _save_sku(sku_form, sku):
                _stock_refused(request, sku)
        for sku in formset.deleted_objects:
            sku.delete()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.images:  # no pictures uploaded: use the drawn ones so lists never show a hole
            obj.images = image_urls(obj.pk)
            Product.objects.filter(pk=obj.pk).update(images=obj.images)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        refresh_product(form.instance.pk)


class StockLevelFilter(admin.SimpleListFilter):
    title = "库存状态"
    parameter_name = "stock_level"

    def lookups(self, request, model_admin):
        return [("sold_out", "已售罄"), ("low", "库存紧张"), ("ok", "库存充足")]

    def queryset(self, request, queryset):
        low = settings.CATALOG_LOW_STOCK_THRESHOLD
        if self.value() == "sold_out":
            return queryset.filter(stock=0)
        if self.value() == "low":
            return queryset.filter(stock__gt=0, stock__lte=low)
        if self.value() == "ok":
            return queryset.filter(stock__gt=low)
        return queryset


@admin.register(SKU)
class SKUAdmin(admin.ModelAdmin):
    list_display = ("code", "product", "specs_display", "price_display", "stock", "stock_badge", "is_active")
    list_editable = ("stock", "is_active")
    list_filter = (StockLevelFilter, "is_active", ("product__category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "product__title", "cpu", "memory", "storage")
    list_select_related = ("product",)
    autocomplete_fields = ("product",)
    list_per_page = 100
    form = SKUForm

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=SKUForm, **kwargs)

    @admin.display(description="售价", ordering="price")
    def price_display(self, obj):
        return f"¥{yuan(obj.price)}"

    @admin.display(description="规格")
    def specs_display(self, obj):
        return obj.spec_label or "—"

    @admin.display(description="状态")
    def stock_badge(self, obj):
        return stock_status(obj.stock)[1]

    def save_model(self, request, obj, form, change):
        if not _save_sku(form, obj):
            _stock_refused(request, obj)
        refresh_product(obj.product_id)
        if change and "product" in form.changed_data and form.initial.get("product"):
            refresh_product(form.initial["product"])  # the SKU moved: its old product lost a price

    def delete_model(self, request, obj):
        product_id = obj.product_id
        super().delete_model(request, obj)
        refresh_product(product_id)

    def delete_queryset(self, request, queryset):
        product_ids = set(queryset.values_list("product_id", flat=True))
        super().delete_queryset(request, queryset)
        for product_id in product_ids:
            refresh_product(product_id)
