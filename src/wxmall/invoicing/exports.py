"""The accountant's workbook (XLSX, openpyxl): one sheet of invoices (blue and red rows), one of lines,
one of monthly totals by tax rate. Amounts are yuan numbers with two decimals (Excel sums them);
values that start with =, +, - or @ are written as text so a buyer's name can never be a formula."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from . import queries

MONEY = "#,##0.00"


def _yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def _text(sheet, row: int, column: int, value: str) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    cell.data_type = TYPE_STRING  # never a formula, whatever the text starts with


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def workbook(invoices) -> bytes:
    invoices = list(invoices)
    book = Workbook()
    sheet = book.active
    sheet.title = "发票"
    heads = (
        "开票请求号", "发票号码", "红/蓝", "发票类型", "购买方", "购买方税号", "开票时间", "订单",
        "金额", "税额", "价税合计", "状态", "原蓝字发票号码",
    )  # fmt: skip
    sheet.append(heads)
    row = 2
    for invoice in invoices:
        orders = "、".join(c.order.order_no for c in invoice.covers.all())
        entries = [("蓝字", invoice.platform_invoice_no, invoice.issued_at, 1, "")]
        if invoice.red_invoice_no:
            entries.append(
                ("红字", invoice.red_invoice_no, invoice.reversed_at, -1, invoice.platform_invoice_no)
            )
        for colour, number, moment, sign, original in entries:
            texts = (invoice.number, number, colour, invoice.get_invoice_type_display(), invoice.buyer_name,
                     invoice.buyer_tax_id, _when(moment), orders)  # fmt: skip
            for column, value in enumerate(texts, start=1):
                _text(sheet, row, column, value)
            for column, fen in ((9, invoice.amount), (10, invoice.tax), (11, invoice.total)):
                sheet.cell(row=row, column=column, value=_yuan(sign * fen)).number_format = MONEY
            _text(sheet, row, 12, invoice.get_status_display())
            _text(sheet, row, 13, original)
            row += 1

    lines = book.create_sheet("发票明细")
    lines.append(("开票请求号", "发票号码", "项目名称", "数量", "税率", "金额", "税额", "价税合计"))
    row = 2
    for invoice in invoices:
        for line in invoice.lines:
            for column, value in enumerate(
                (invoice.number, invoice.platform_invoice_no, line["name"]), start=1
            ):
                _text(lines, row, column, value)
            lines.cell(row=row, column=4, value=line["quantity"])
            lines.cell(row=row, column=5, value=f"{line['tax_rate'] / 100:g}%")
            for column, key in ((6, "amount"), (7, "tax"), (8, "total")):
                lines.cell(row=row, column=column, value=_yuan(line[key])).number_format = MONEY
            row += 1

    months = book.create_sheet("月度汇总")
    months.append(("月份", "税率", "蓝字张数", "红字张数", "金额", "税额", "价税合计"))
    for entry in queries.monthly_totals(invoices):
        months.append(
            (entry["month"], f"{entry['tax_rate'] / 100:g}%", entry["blue"], entry["red"],
             _yuan(entry["amount"]), _yuan(entry["tax"]), _yuan(entry["total"]))
        )  # fmt: skip
        for column in (5, 6, 7):
            months.cell(row=months.max_row, column=column).number_format = MONEY
    for ws in (sheet, lines, months):
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
