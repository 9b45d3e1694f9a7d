"""Forms of the storefront pages. They check shape only (lengths, numbers, required fields); whether an
address, quantity or coupon is acceptable is decided by the domain actions they feed."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms

from wxmall.accounts.errors import AccountError
from wxmall.core import regions
from wxmall.core.validation import CleanCharField

SORT_CHOICES = ("default", "sales", "price_asc", "price_desc", "new")
MAX_QUERY_LENGTH = 100
MAX_PRICE_YUAN = Decimal("10000000")


def yuan_to_fen(text: str) -> int | None:
    """'1299' / '1299.5' / '1,299.00' -> fen, without floats; None for anything that is not a price."""
    try:
        amount = Decimal(text.replace(",", "").replace("，", "").strip())
    except (InvalidOperation, AttributeError):
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_PRICE_YUAN:
        return None
    return int((amount * 100).to_integral_value())


class ListingFilterForm(forms.Form):
    """Query-string filters of a product list. Browsing should never dead-end on a typo, so a bad value
    is dropped (and reported in `errors`) instead of failing the page."""

    q = forms.CharField(required=False)
    min_price = forms.CharField(required=False)
    max_price = forms.CharField(required=False)
    cpu = forms.CharField(required=False, max_length=64)
    memory = forms.CharField(required=False, max_length=32)
    storage = forms.CharField(required=False, max_length=32)
    brand = forms.CharField(required=False, max_length=64)
    sort = forms.CharField(required=False)
    page = forms.CharField(required=False)

    def cleaned_filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        raw = self.data
        filters: dict = {"q": (raw.get("q") or "").strip()[:MAX_QUERY_LENGTH]}
        for name in ("min_price", "max_price"):
            text = (raw.get(name) or "").strip()
            fen = yuan_to_fen(text) if text else None
            if text and fen is None:
                self.add_error(None, "价格区间请输入数字")
            filters[name] = fen
        if (
            filters["min_price"] is not None
            and filters["max_price"] is not None
            and filters["min_price"] > filters["max_price"]
        ):
            filters["min_price"], filters["max_price"] = filters["max_price"], filters["min_price"]
        for name in ("cpu", "memory", "storage", "brand"):
            filters[name] = data.get(name) or ""
        sort = raw.get("sort") or "default"
        filters["sort"] = sort if sort in SORT_CHOICES else "default"
        page = raw.get("page") or "1"
        filters["page"] = int(page) if page.isdigit() and 0 < int(page) < 100000 else 1
        return filters


PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


class AddressForm(forms.Form):
    """A new shipping address typed at checkout (mainland China: 11-digit mobile number)."""

    recipient = CleanCharField(label="收货人", max_length=32, error_messages={"required": "请填写收货人"})
    phone = CleanCharField(label="手机号", max_length=20, error_messages={"required": "请填写手机号"})
    province = CleanCharField(label="省份", max_length=32, error_messages={"required": "请填写省份"})
    city = CleanCharField(label="城市", max_length=32, error_messages={"required": "请填写城市"})
    district = CleanCharField(label="区县", max_length=32, required=False)
    detail = CleanCharField(label="详细地址", max_length=120, error_messages={"required": "请填写详细地址"})

    def clean(self) -> dict:
        data = super().clean()
        where = [data.get(name) for name in ("province", "city", "district")]
        if where[0] and where[1] and not regions.belong_together(where[0], where[1], where[2] or ""):
            self.add_error("district", AccountError.REGION_MISMATCH.message)
        return data

    def clean_phone(self) -> str:
        phone = re.sub(r"[\s-]", "", self.cleaned_data["phone"])
        if not PHONE_RE.match(phone):
            raise forms.ValidationError("请填写 11 位手机号")
        return phone
