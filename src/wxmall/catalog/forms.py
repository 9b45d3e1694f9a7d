"""Forms of the catalogue's staff pages (console product editor, admin). Amounts are typed in yuan
(`YuanField`); the spec matrix and the picture list arrive as JSON built by the editor's script and are
checked by `editor` before anything is written."""

from __future__ import annotations

import json
import re

from django import forms

from wxmall.core.money_forms import YuanField

from . import richtext
from .editor import MAX_STOCK, EditorErrors, clean_matrix, parse_spec_sheet
from .models import Category, Product

MAX_IMAGES = 9
# Pictures a product may show: uploaded ones (default storage), the drawn ones, or any https URL.
_IMAGE_URL = re.compile(r"^(/media/[\w/.-]+|/api/catalog/products/\d+/images/\d+\.svg|https://[^\s\"'<>]+)$")


class ProductForm(forms.ModelForm):
    """Copy with a blocking advertising-law hit is refused with the hits shown (compliance scanner), and so
    is a category this shop may not sell (shop type, qualifications: compliance.category_rules)."""

    def clean(self):
        from wxmall.compliance.forms import refuse_blocking_copy, refuse_restricted_category

        cleaned = super().clean()
        checked = {
            "title": "product_title",
            "subtitle": "product_title",
            "description": "product_description",
        }
        refuse_blocking_copy(cleaned, {k: v for k, v in checked.items() if k in self.fields})
        refuse_restricted_category(cleaned)
        return cleaned


class ProductEditorForm(ProductForm):
    spec_sheet = forms.CharField(
        label="规格参数",
        required=False,
        max_length=4000,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": "每行一项，例如：\n屏幕：14 英寸 2.8K\n重量：1.3kg"}
        ),
    )
    image_list = forms.CharField(required=False, max_length=8000, widget=forms.HiddenInput)
    sku_matrix = forms.CharField(
        max_length=200_000, widget=forms.HiddenInput, error_messages={"required": "请至少添加一个 SKU"}
    )

    class Meta:
        model = Product
        fields = ("title", "subtitle", "brand", "category", "slug", "is_listed", "sort_order", "description")
        widgets = {"description": forms.HiddenInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["slug"].help_text = "可选，用于导入导出时识别商品（字母、数字、-）"
        self.fields["description"].required = False
        self.sku_rows = []

    def clean_description(self) -> str:
        return richtext.clean(self.cleaned_data.get("description") or "")

    def clean_spec_sheet(self) -> dict:
        try:
            return parse_spec_sheet(self.cleaned_data.get("spec_sheet") or "")
        except EditorErrors as exc:
            raise forms.ValidationError(exc.errors) from None

    def clean_image_list(self) -> list[str]:
        try:
            urls = json.loads(self.cleaned_data.get("image_list") or "[]")
        except ValueError:
            raise forms.ValidationError("图片列表格式不正确，请刷新页面后重试") from None
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            raise forms.ValidationError("图片列表格式不正确，请刷新页面后重试")
        if len(urls) > MAX_IMAGES:
            raise forms.ValidationError(f"最多 {MAX_IMAGES} 张图片")
        bad = [u for u in urls if len(u) > 500 or not _IMAGE_URL.match(u)]
        if bad:
            raise forms.ValidationError("图片地址无效，请重新上传")
        return list(dict.fromkeys(urls))

    def clean_sku_matrix(self):
        try:
            self.sku_rows = clean_matrix(self.cleaned_data["sku_matrix"])
        except EditorErrors as exc:
            raise forms.ValidationError(exc.errors) from None
        return self.cleaned_data["sku_matrix"]

    def save(self, commit: bool = False) -> Product:
        product = super().save(commit=False)
        product.specs = self.cleaned_data["spec_sheet"]
        product.images = self.cleaned_data["image_list"]
        return product


BULK_ACTIONS = [
    ("list", "上架"),
    ("delist", "下架"),
    ("price_set", "售价设为（元）"),
    ("price_change", "售价增减（元，负数为降价）"),
    ("stock_change", "库存增减（件，负数为减少）"),
]


class BulkForm(forms.Form):
    action = forms.ChoiceField(label="批量操作", choices=BULK_ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), error_messages={"required": "请先勾选商品"})
    value = forms.CharField(label="数值", required=False, max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id may be posted; ids of products that do not exist simply match nothing.
        self.fields["ids"].valid_value = lambda value: str(value).isdigit() and len(str(value)) <= 18

    def clean(self):
        cleaned = super().clean()
        action, raw = cleaned.get("action"), (cleaned.get("value") or "").strip()
        if action == "price_set":
            cleaned["amount"] = self._field_error(YuanField(min_fen=1), raw)
        elif action == "price_change":
            negative = raw.startswith(("-", "−"))
            fen = self._field_error(YuanField(min_fen=1), raw.lstrip("-−").strip())
            cleaned["amount"] = None if fen is None else (-fen if negative else fen)
        elif action == "stock_change":
            digits = raw.lstrip("-−+").strip()
            if not digits.isdigit() or int(digits) == 0 or int(digits) > MAX_STOCK:
                self.add_error("value", f"库存增减请填写非零整数（不超过 {MAX_STOCK}），例如 10 或 -5")
            else:
                cleaned["amount"] = -int(digits) if raw.startswith(("-", "−")) else int(digits)
        return cleaned

    def _field_error(self, field: forms.Field, raw: str):
        try:
            return field.clean(raw)
        except forms.ValidationError as error:
            self.add_error("value", error)
            return None


class ImportForm(forms.Form):
    file = forms.FileField(
        label="导入文件（.csv 或 .xlsx）", error_messages={"required": "请选择文件", "empty": "文件是空的"}
    )
