"""Input types shared by every API schema and storefront form, so one rule decides what text and ids the
hub accepts:

- ids: positive integers that fit a 64-bit signed column (SQLite and PostgreSQL both overflow beyond);
- JSON numbers are strict: `true`, `"1"` and `1.0` are not the integer 1;
- text: NFC-normalised and trimmed; zero-width characters are stripped; control characters, lone
  surrogates and bidirectional overrides/isolates/marks are refused (an override in a recipient's
  name would reorder what staff read in the admin); a bounded length, checked before any work.

Error messages name the rule, never the input."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from django import forms
from pydantic import AfterValidator, Field, StrictBool

MAX_ID = 2**63 - 1

# A JSON body's id: strict (no bools, strings or floats) and within a 64-bit column.
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
# A path or query-string id arrives as text: digits are parsed, the same bounds apply.
PathId = Annotated[int, Field(ge=1, le=MAX_ID)]
# A JSON integer the domain judges (quantities: 0 or -1 get the domain's own code), bounded to 64 bits.
StrictInt64 = Annotated[int, Field(strict=True, ge=-MAX_ID - 1, le=MAX_ID)]
Flag = StrictBool

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class TextRefused(ValueError):
    """The text breaks a rule; `reason` is a Chinese sentence safe to show (it never quotes the text)."""

    def __init__(self, reason: str, *, too_long: bool = False) -> None:
        self.reason = reason
        self.too_long = too_long
        super().__init__(reason)


def clean_text(value: str, max_length: int, *, multiline: bool = False) -> str:
    """The accepted form of `value`, or TextRefused. `multiline` allows line breaks (notes)."""
    if len(value) > max_length * 4:  # refuse a huge value before normalising it
        raise TextRefused(f"不能超过 {max_length} 个字", too_long=True)
    value = "".join(ch for ch in value if ch not in ZERO_WIDTH)
    for ch in value:
        if ch in BIDI_CONTROLS:
            raise TextRefused("不能包含文字方向控制字符")
        category = unicodedata.category(ch)
        if category == "Cs":
            raise TextRefused("包含无效字符")
        if category == "Cc" and not (multiline and ch in "\n\t"):
            raise TextRefused("不能包含控制字符")
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    if len(value) > max_length:
        raise TextRefused(f"不能超过 {max_length} 个字", too_long=True)
    return value


def Text(max_length: int, *, multiline: bool = False) -> Any:  # noqa: N802 - used like a type
    """A pydantic string field type: strict str, cleaned by `clean_text`, documented with maxLength."""

    def check(value: str) -> str:
        return clean_text(value, max_length, multiline=multiline)

    return Annotated[str, Field(strict=True, max_length=max_length), AfterValidator(check)]


class CleanCharField(forms.CharField):
    """A Django form field with the same rules (Django's CharField already trims and refuses NUL)."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return clean_text(value, self.max_length or 10_000, multiline=self.multiline)
        except TextRefused as refused:
            raise forms.ValidationError(refused.reason, code="text_refused") from None


def parse_positive_int(value: Any, default: int | None = None, maximum: int = MAX_ID) -> int | None:
    """A positive integer from a query/form value (at most `maximum`); anything else gives `default`."""
    if isinstance(value, bool):
        return default
    text = str(value).strip() if value is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return default
    number = int(text)
    return number if 0 < number <= maximum else default
