"""What WeChat Pay's bill files share (trade and fund-flow, reference §1.13): UTF-8 CSV, every value
prefixed with a backtick, amounts in yuan with two decimals, a summary block at the end."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation


class BillFormatError(ValueError):
    pass


def fen(text: str) -> int:
    try:
        value = Decimal(text or "0") * 100
    except InvalidOperation as exc:
        raise BillFormatError("amount is not a number") from exc
    if value != value.to_integral_value():
        raise BillFormatError("amount has more than two decimals")
    return int(value)


def rows_of(text: str) -> list[list[str]]:
    return [[v.removeprefix("`") for v in row] for row in csv.reader(io.StringIO(text)) if row]
