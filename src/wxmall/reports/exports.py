"""Each report table as an XLSX workbook (openpyxl). Amounts are written as exact yuan decimals with a
¥ number format, so the merchant's spreadsheet sums them without rounding drift."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from . import queries
from .queries import Range

YUAN_FORMAT = '"¥"#,##0.00'


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[tuple[str, str, bool]]  # (heading, row key, is money)
    rows: Callable[[Range, str], list[dict]]


SALES = [("期间", "label", False), ("订单数", "orders", False), ("成交额", "gmv", True)]
LINES = [("名称", "label", False), ("销量", "quantity", False), ("销售额", "revenue", True)]
TABLES = {
    "sales": Table("销售趋势", SALES, queries.sales_by_period),
    "category": Table("分类销售", LINES, lambda span, period: queries.by_category(span)),
    "product": Table("商品销售", LINES, lambda span, period: queries.by_product(span)),
    "top": Table("热销商品 TOP10", LINES, lambda span, period: queries.top_products(span)),
    "method": Table(
        "支付方式",
        [("支付方式", "label", False), *SALES[1:]],
        lambda span, period: queries.by_payment_method(span),
    ),
    "channel": Table(
        "来源渠道", [("渠道", "label", False), *SALES[1:]], lambda span, period: queries.by_channel(span)
    ),
    "refunds": Table(
        "退款",
        [("期间", "label", False), ("退款单数", "orders", False), ("退款金额", "amount", True)],
        queries.refunds_by_period,
    ),
}


def _cell(value, money: bool):
    return Decimal(int(value or 0)) / 100 if money else value


def workbook(kind: str, span: Range, period: str) -> bytes:
    table = TABLES[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append([f"{table.title}（{span.since:%Y-%m-%d} 至 {span.until:%Y-%m-%d}）"])
    sheet["A1"].font = Font(bold=True)
    sheet.append([heading for heading, _, _ in table.columns])
    for row in table.rows(span, period):
        sheet.append([_cell(row[key], money) for _, key, money in table.columns])
        for index, (_, _, money) in enumerate(table.columns, start=1):
            if money:
                sheet.cell(row=sheet.max_row, column=index).number_format = YUAN_FORMAT
    sheet.column_dimensions["A"].width = 36
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
