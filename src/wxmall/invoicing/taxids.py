"""Buyer taxpayer ids (reference wechat-invoice-fission.md §2.1–2.3).

* The 18-character unified social credit code (统一社会信用代码, GB 32100-2015): 31-character alphabet
  without I, O, S, V, Z; positions 3–8 an administrative division code; the check character
  C18 = (31 − Σ Cᵢ·Wᵢ mod 31) mod 31 with Wᵢ = 3^(i−1) mod 31.
* The older 15-character id: a 6-digit division code and the 9-character organisation code (GB 11714),
  whose last character checks the first eight (weights 3 7 9 10 5 8 4 2; 10 → X, 11 → 0).
* 17/20-character ids of individual businesses (resident id plus padding) are accepted by shape only.

`normalize` upper-cases and drops spaces and hyphens first, so `9144 0300 7152 6726 XG` is accepted.
"""

from __future__ import annotations

import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
_OLD_SHAPE = re.compile(r"\d{6}[0-9A-Z]{8}[0-9X]")
_OTHER_SHAPE = re.compile(r"[0-9A-Z]{17}|[0-9A-Z]{20}")


def normalize(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def problem(value: str) -> str:
    """Why `value` (normalized) is not a taxpayer id, in words a customer understands; "" if it is one."""
    if not value:
        return "请填写纳税人识别号（统一社会信用代码）"
    if len(value) == 18:
        if not _USCC_SHAPE.fullmatch(value):
            return "统一社会信用代码格式不正确（18 位，不含字母 I、O、S、V、Z）"
        if uscc_check_char(value[:17]) != value[17]:
            return "统一社会信用代码校验位不正确，请核对是否输错"
        return ""
    if len(value) == 15:
        if not _OLD_SHAPE.fullmatch(value):
            return "15 位纳税人识别号格式不正确"
        if org_code_check_char(value[6:14]) != value[14]:
            return "15 位纳税人识别号校验位不正确，请核对是否输错"
        return ""
    if _OTHER_SHAPE.fullmatch(value):
        return ""
    return "纳税人识别号应为 15、17、18 或 20 位数字或大写字母"
