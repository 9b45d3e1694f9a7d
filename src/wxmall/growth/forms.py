"""The group-deal form of the console: the price typed in yuan and kept in fen, clear Chinese errors."""

from __future__ import annotations

from django import forms

from wxmall.catalog.models import SKU
from wxmall.core.money_forms import YuanField

DEAL_MAX_FEN = 100_000_000  # ¥1,000,000: group_price is a PositiveIntegerField


def _whole(label: str, low: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        error_messages={
            "required": f"请填写{label}",
            "invalid": "请输入整数",
            "min_value": f"{label}不能小于 {low}",
            "max_value": f"{label}不能大于 {high}",
        },
    )


class DealForm(forms.Form):
    title = forms.CharField(
        label="活动名称",
        max_length=60,
        error_messages={"required": "请填写活动名称", "max_length": "活动名称不超过 60 个字"},
    )
    group_price = YuanField(label="拼团价（元）", min_fen=1, max_fen=DEAL_MAX_FEN)
    size = _whole("成团人数", 2, 50)
    hours = _whole("成团时限（小时）", 1, 72)

    def __init__(self, *args, with_sku: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_sku:  # the SKU is chosen once: editing a deal keeps it
            self.fields = {
                "sku": forms.ModelChoiceField(
                    label="商品 SKU",
                    queryset=SKU.objects.filter(is_active=True).select_related("product").order_by("pk"),
                    error_messages={"required": "请选择商品", "invalid_choice": "商品不存在或已下架"},
                ),
                **self.fields,
            }

    def clean(self):
        data = super().clean()
        sku = data.get("sku")
        if sku is not None and data.get("group_price") and data["group_price"] >= sku.price:
            self.add_error("group_price", "拼团价须低于原价")
        return data
