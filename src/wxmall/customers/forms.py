"""The segment form: amounts typed in yuan, kept in fen; every condition optional; clear Chinese errors."""

from __future__ import annotations

import re
import uuid

from django import forms

from wxmall.accounts.models import MembershipLevel
from wxmall.checkout.models import CouponAudience, CouponKind
from wxmall.core.money_forms import YuanField
from wxmall.core.validation import CleanCharField

from .models import SourceChannel

MAX_DAYS = 3650
MAX_TAGS = 10
COUPON_MAX_FEN = 100_000_000  # ¥1,000,000: coupon amounts are PositiveIntegerField
MAX_COUNT = 100_000


def _count(label: str, limit: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=limit,
        error_messages={
            "invalid": "请输入整数",
            "min_value": "不能为负数",
            "max_value": f"不能超过 {limit}",
        },
    )


class SegmentForm(forms.Form):
    name = forms.CharField(
        label="分群名称",
        max_length=40,
        error_messages={"required": "请填写分群名称", "max_length": "分群名称不超过 40 个字"},
    )
    tags = forms.CharField(
        label="带任一标签（逗号分隔）",
        required=False,
        max_length=400,
        error_messages={"max_length": "标签内容过长"},
    )
    min_spend = YuanField(label="累计消费不低于（元）", required=False)
    max_spend = YuanField(label="累计消费不高于（元）", required=False)
    min_orders = _count("订单数不少于", MAX_COUNT)
    max_orders = _count("订单数不多于", MAX_COUNT)
    ordered_within_days = _count("最近 N 天内下过单", MAX_DAYS)
    idle_for_days = _count("已 N 天未下单", MAX_DAYS)
    source = forms.ChoiceField(
        label="入会渠道",
        choices=[("", "不限"), *SourceChannel.choices],
        required=False,
        error_messages={"invalid_choice": "入会渠道不正确"},
    )
    level = forms.ModelChoiceField(
        label="会员等级",
        queryset=MembershipLevel.objects.all(),
        required=False,
        empty_label="不限",
        error_messages={"invalid_choice": "会员等级不存在"},
    )

    def clean_tags(self):
        names = [t.strip() for t in re.split(r"[,，、\s]+", self.cleaned_data["tags"]) if t.strip()]
        if len(names) > MAX_TAGS:
            raise forms.ValidationError(f"最多 {MAX_TAGS} 个标签")
        if any(len(t) > 32 for t in names):
            raise forms.ValidationError("每个标签不超过 32 个字")
        return sorted(set(names))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("请填写分群名称")
        return name

    def clean(self):
        data = super().clean()
        for low, high in (("min_spend", "max_spend"), ("min_orders", "max_orders")):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, "上限不能低于下限")
        return data


_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CouponForm(forms.Form):
    """A new coupon: the deal in yuan (or a percentage), its window, who may use it, claim stock."""

    name = forms.CharField(label="名称", max_length=64, error_messages={"required": "请填写优惠券名称"})
    code = forms.RegexField(
        label="券码（留空自动生成）",
        regex=r"^[A-Za-z0-9]{4,32}$",
        required=False,
        error_messages={"invalid": "券码为 4–32 位字母或数字"},
    )
    kind = forms.ChoiceField(
        label="类型", choices=CouponKind.choices, error_messages={"invalid_choice": "类型不正确"}
    )
    amount = YuanField(label="减免金额（元，满减券）", required=False, max_fen=COUPON_MAX_FEN)
    percent = forms.IntegerField(
        label="折扣（减百分之几，折扣券）",
        required=False,
        min_value=1,
        max_value=99,
        error_messages={"invalid": "请输入整数", "min_value": "折扣为 1–99", "max_value": "折扣为 1–99"},
    )
    threshold = YuanField(label="使用门槛（元，0 为无门槛）", required=False, max_fen=COUPON_MAX_FEN)
    starts_at = forms.DateTimeField(
        label="生效时间",
        widget=_WHEN,
        error_messages={"required": "请填写生效时间", "invalid": "时间格式不正确"},
    )
    ends_at = forms.DateTimeField(
        label="失效时间",
        widget=_WHEN,
        error_messages={"required": "请填写失效时间", "invalid": "时间格式不正确"},
    )
    total_quota = _count("可使用总次数（留空不限）", 10_000_000)
    per_user_limit = forms.IntegerField(
        label="每人限用",
        initial=1,
        min_value=1,
        max_value=100,
        error_messages={
            "required": "请填写每人限用次数",
            "invalid": "请输入整数",
            "min_value": "至少 1 次",
            "max_value": "不超过 100 次",
        },
    )
    audience = forms.ChoiceField(
        label="使用范围",
        choices=CouponAudience.choices,
        initial=CouponAudience.GRANTED,
        error_messages={"invalid_choice": "使用范围不正确"},
    )
    claim_quota = _count("领券页库存（留空不开放领取）", 10_000_000)
    for_new_customers = forms.BooleanField(label="新客注册时自动发放", required=False)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == CouponKind.AMOUNT_OFF and not data.get("amount"):
            self.add_error("amount", "请填写大于 0 的减免金额")
        if kind == CouponKind.PERCENT_OFF and not data.get("percent"):
            self.add_error("percent", "请填写折扣")
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "失效时间须晚于生效时间")
        return data

    def coupon_fields(self) -> dict:
        data = self.cleaned_data
        value = data["amount"] if data["kind"] == CouponKind.AMOUNT_OFF else data["percent"]
        return {
            "name": data["name"].strip(),
            "code": data.get("code") or "",
            "kind": data["kind"],
            "value": value,
            "threshold": data.get("threshold") or 0,
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "total_quota": data.get("total_quota"),
            "per_user_limit": data["per_user_limit"],
            "audience": data["audience"],
            "claim_quota": data.get("claim_quota") or None,
            "for_new_customers": data["for_new_customers"],
        }


class SegmentMessageForm(forms.Form):
    """A text mass-sent to a segment's followers; the copy passes the compliance scanner like other OA copy."""

    content = CleanCharField(
        label="群发内容（文字）",
        max_length=600,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 600}),
        error_messages={"required": "请填写群发内容", "max_length": "群发内容不超过 600 个字"},
    )
    # One id per rendered form: a double-click or a resubmitted page sends once (the send's clientmsgid).
    send_id = forms.RegexField(
        regex=r"^[0-9a-f]{32}$",
        widget=forms.HiddenInput,
        error_messages={"required": "页面已过期，请刷新后重试", "invalid": "页面已过期，请刷新后重试"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("send_id", uuid.uuid4().hex)

    def clean(self):
        from wxmall.compliance.forms import refuse_blocking_copy

        cleaned = super().clean()
        refuse_blocking_copy(cleaned, {"content": "oa_reply"})
        return cleaned
