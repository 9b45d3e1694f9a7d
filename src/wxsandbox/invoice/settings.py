"""Behaviour knobs of the e-invoice surface (``[invoice]`` table, ``POST /sandbox/invoice/settings``).

The checks the reference leaves unconfirmed are switches here (§1.6.3: whether ``insert`` checks
``fee = fee_without_tax + tax``; §1.12: 72045 for a missing check code on old-style invoices)."""

from __future__ import annotations

from dataclasses import dataclass

from wxsandbox.layered import Layered


@dataclass(frozen=True)
class InvoiceSettings:
    page_base: str = ""  # host of auth pages and PDF links ("" = the sandbox's own URL)
    auth_mini_program_appid: str = "wx9db2c16d0633c2e7"  # returned for source=wxa (observed value)
    check_fee_sum: bool = True
    require_check_code: bool = True
    max_pdf_bytes: int = 2 * 1024 * 1024  # not stated for setpdf; WeChat Pay's upload caps at 2 MB
    title_link_ttl_seconds: int = 600  # biz/getusertitleurl and getselecttitleurl keys (72070 after)


LAYER = Layered(InvoiceSettings, "invoice")
load = LAYER.load

EXAMPLE_TOML = """\
# WeChat e-invoice (card/invoice/*) behaviour (all optional).
[invoice]
check_fee_sum = true          # insert: fee must equal fee_without_tax + tax (unconfirmed)
require_check_code = true     # insert: 72045 when an invoice with a billing_code has no check_code
max_pdf_bytes = 2097152
title_link_ttl_seconds = 600
"""
