"""A period's commission statement as CSV (UTF-8 with a BOM, for Excel on Chinese Windows) and XLSX.
Amounts in yuan for people; names the hub did not write (nicknames) are formula-neutralised."""

from __future__ import annotations

import csv
import io

from django.utils import timezone

from wxmall.core.money import yuan
from wxmall.members_import.cleaning import safe_cell

from .queries import Line

LINE_HEADERS = ["时间", "分享员", "订单号", "类型", "金额（元）", "状态", "结算方式"]
TOTAL_HEADERS = ["分享员", "产生佣金（元）", "冲销（元）", "净佣金（元）", "本期已结算（元）"]


def _line(line: Line) -> list[str]:
    return [
        f"{timezone.localtime(line.at):%Y-%m-%d %H:%M:%S}",
        safe_cell(line.sharer),
        line.order_no,
        line.kind,
        yuan(line.amount),
        line.status,
        line.method,
    ]


def _total(row: dict) -> list[str]:
    return [
        safe_cell(row["sharer"]),
        yuan(row["accrued"]),
        yuan(row["reversed"]),
        yuan(row["net"]),
        yuan(row["paid"]),
    ]


def to_csv(period: str, lines: list[Line], totals: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"佣金对账单 {period}"])
    writer.writerow(TOTAL_HEADERS)
    writer.writerows(_total(row) for row in totals)
    writer.writerow([])
    writer.writerow(LINE_HEADERS)
    writer.writerows(_line(line) for line in lines)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(period: str, lines: list[Line], totals: list[dict]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.append([f"佣金对账单 {period}"])
    summary.append(TOTAL_HEADERS)
    for row in totals:
        summary.append(_total(row))
    detail = book.create_sheet("明细")
    detail.append(LINE_HEADERS)
    for line in lines:
        detail.append(_line(line))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
