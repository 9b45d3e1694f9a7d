"""The invoice PDF: a real A5-landscape document drawn with fpdf2 and a CJK font (WenQuanYi Micro Hei,
Debian's fonts-wqy-microhei). The invoice number is also the PDF's Subject, so a reader (or a test) can
tell which invoice a file is without parsing glyphs."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from fpdf import FPDF

# fontTools logs every glyph of every subset at INFO: noise in any log that collects INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
BEIJING = dt.timezone(dt.timedelta(hours=8))
DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿", "万亿")


class FontMissing(RuntimeError):
    pass


def font_path() -> Path:
    for candidate in FONT_CANDIDATES:
        if candidate.exists():
            return candidate
    raise FontMissing("a CJK font is needed for invoice PDFs: apt-get install fonts-wqy-microhei")


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def capital(fen: int) -> str:
    """价税合计（大写）: 626600 → 陆仟贰佰陆拾陆圆整; negative amounts (red invoices) read ⊖…."""
    prefix = "⊖" if fen < 0 else ""
    fen = abs(fen)
    whole, jiao, fen_part = fen // 100, fen // 10 % 10, fen % 10
    text = ""
    group_index = 0
    while whole:
        whole, group = divmod(whole, 10000)
        chunk, zero = "", False
        for position in range(3, -1, -1):
            digit = group // 10**position % 10
            if digit:
                chunk += ("零" if zero and chunk else "") + DIGITS[digit] + UNITS[position]
                zero = False
            else:
                zero = True
        if chunk and group < 1000 and whole:
            chunk = "零" + chunk  # 壹佰万零壹佰: a gap inside the number is read as one 零
        if chunk:
            text = chunk + GROUPS[group_index] + text
        elif text and not text.startswith("零"):
            text = "零" + text
        group_index += 1
    text = (text or "零") + "圆"
    if jiao == 0 and fen_part == 0:
        return prefix + text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen_part:
        text += "零"
    if fen_part:
        text += DIGITS[fen_part] + "分"
    return prefix + text


def render(invoice: dict[str, Any], seller: dict[str, str]) -> bytes:
    """``invoice`` is the platform's stored record (buyer, lines, totals, invoice_no, issued_at, kind)."""
    pdf = FPDF(orientation="L", format=(148, 210))  # A5
    pdf.set_auto_page_break(auto=True, margin=8)
    pdf.add_font("wqy", fname=str(font_path()))
    pdf.set_font("wqy", size=9)
    pdf.set_title("电子发票")
    pdf.set_subject(invoice["invoice_no"])
    pdf.set_creator("wxsandbox fapiao platform")
    pdf.add_page()
    red = invoice["kind"] == "red"
    label = "增值税专用发票" if invoice["invoice_type"] == "special" else "普通发票"
    pdf.set_text_color(160, 20, 20)
    pdf.set_font_size(15)
    pdf.cell(
        0, 9, f"电子发票（{label}）" + ("（红字）" if red else ""), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_text_color(0, 0, 0)
    pdf.set_font_size(8)
    issued = dt.datetime.fromtimestamp(invoice["issued_at"], BEIJING).strftime("%Y年%m月%d日")
    pdf.cell(
        0,
        5,
        f"发票号码：{invoice['invoice_no']}    开票日期：{issued}",
        align="R",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if red:
        pdf.cell(
            0,
            5,
            f"被红冲蓝字发票号码：{invoice['original_invoice_no']}",
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    buyer = invoice["buyer"]
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    top = pdf.get_y() + 1
    for column, (who, party) in enumerate((("购买方", buyer), ("销售方", seller))):
        pdf.set_xy(pdf.l_margin + column * half, top)
        lines = [
            f"{who}信息",
            f"名称：{party.get('name', '')}",
            f"统一社会信用代码/纳税人识别号：{party.get('tax_id', '')}",
        ]
        if party.get("address_phone") or party.get("bank_account"):
            lines += [
                f"地址、电话：{party.get('address_phone', '')}",
                f"开户行及账号：{party.get('bank_account', '')}",
            ]
        pdf.multi_cell(half, 4.5, "\n".join(lines), border=1)
    pdf.set_y(max(pdf.get_y(), top + 24) + 2)
    widths = (62, 14, 12, 26, 26, 16, 26)
    heads = ("项目名称", "单位", "数量", "单价", "金额", "税率", "税额")
    for width, head in zip(widths, heads, strict=True):
        pdf.cell(width, 6, head, border=1, align="C")
    pdf.ln()
    for line in invoice["lines"]:
        unit_price = line["amount"] / line["quantity"] if line["quantity"] else 0
        cells = (
            line["name"][:30],
            line.get("unit", ""),
            str(line["quantity"]),
            f"{unit_price / 100:,.2f}",
            yuan(line["amount"]),
            f"{line['tax_rate'] / 100:g}%",
            yuan(line["tax"]),
        )
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 6, text, border=1, align="L" if width == widths[0] else "R")
        pdf.ln()
    pdf.cell(sum(widths[:4]), 6, "合计", border=1, align="C")
    pdf.cell(widths[4], 6, yuan(invoice["amount"]), border=1, align="R")
    pdf.cell(widths[5], 6, "", border=1)
    pdf.cell(widths[6], 6, yuan(invoice["tax"]), border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        sum(widths),
        7,
        f"价税合计（大写）{capital(invoice['total'])}    （小写）¥{yuan(invoice['total'])}",
        border=1,
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if invoice.get("remarks"):
        pdf.multi_cell(sum(widths), 5, f"备注：{invoice['remarks']}", border=1)
    pdf.ln(2)
    pdf.cell(0, 5, f"开票人：{seller.get('maker', '')}    （沙箱开票平台生成，仅供测试）")
    return bytes(pdf.output())
