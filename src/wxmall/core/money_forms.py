"""The one form field and widget for money a person types: yuan on screen, integer fen in the form's
cleaned data. "4249", "4249.5", "4,249.00" and "¥4249" all mean 424900 fen."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from .money import MAX_FEN, format_yuan, parse_yuan, yuan

_NEGATIVE = re.compile(r"^\s*[-−]")
_TOO_PRECISE = re.compile(r"\.[0-9]{3,}\s*$")


class YuanInput(forms.TextInput):
    """A text box showing fen as yuan ("4249.00"); the keyboard on a phone is the decimal one."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "yuan", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return yuan(value)
        return super().format_value(value)


class YuanField(forms.Field):
    """Yuan typed, fen cleaned. Refuses negative, non-numeric, more than two decimals and anything above
    `max_fen` (default `MAX_FEN`) or below `min_fen`, each with a Chinese message naming the rule."""

    widget = YuanInput
    default_error_messages = {
        "required": "请填写金额",
        "invalid": "请输入金额（元），例如 4249 或 4249.50",
        "negative": "金额不能为负数",
        "precision": "金额最多保留两位小数（精确到分）",
        "max": "金额不能超过 %(limit)s",
        "min": "金额不能低于 %(limit)s",
    }

    def __init__(self, *, min_fen: int = 0, max_fen: int = MAX_FEN, **kwargs):
        self.min_fen, self.max_fen = min_fen, max_fen
        kwargs.setdefault("help_text", "单位：元")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value  # the widget formats ints; a refused string is shown back as typed

    def to_python(self, value) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        if len(text) > 32:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        fen = parse_yuan(text)
        if fen is None:
            if _NEGATIVE.match(text):
                raise ValidationError(self.error_messages["negative"], code="negative")
            if _TOO_PRECISE.search(text):
                raise ValidationError(self.error_messages["precision"], code="precision")
            if re.fullmatch(r"[¥￥]?\s*[0-9,，]+(\.[0-9]{1,2})?", text):
                raise ValidationError(
                    self.error_messages["max"], code="max", params=self._limit(self.max_fen)
                )
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return fen

    def validate(self, value) -> None:
        super().validate(value)
        if value is None:
            return
        if value < 0:
            raise ValidationError(self.error_messages["negative"], code="negative")
        if value > self.max_fen:
            raise ValidationError(self.error_messages["max"], code="max", params=self._limit(self.max_fen))
        if value < self.min_fen:
            raise ValidationError(self.error_messages["min"], code="min", params=self._limit(self.min_fen))

    @staticmethod
    def _limit(fen: int) -> dict:
        return {"limit": format_yuan(fen)}
