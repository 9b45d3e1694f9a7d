"""WeChat e-invoice (微信电子发票, invoice reference §1) on api.weixin.qq.com, and the user's side of it.

  cards     /card/invoice/seturl, setbizattr?action=…, platform/createcard, getauthurl, getauthdata,
            rejectinsert, platform/setpdf, platform/getpdf, insert, platform/updatestatus
  titles    /card/invoice/biz/getusertitleurl, biz/getselecttitleurl, scantitle; the user's saved titles
  pages     the authorisation page (→ event ``user_authorize_invoice``), the title pages
            (→ ``submit_invoice_title``), PDF links
  control   /sandbox/invoice/cards (the card package the phone shows), titles, orders, settings

``/cgi-bin/ticket/getticket?type=wx_card`` (the page ticket ``getauthurl`` checks) is the mp surface's.
WeChat Pay's own e-invoice family (``/v3/new-tax-control-fapiao``) is not emulated: the hub uses the
self-built-platform mode (自建平台) with the fake invoicing platform of ``wxsandbox.fapiao``.
"""

from __future__ import annotations

from typing import Any

from wxsandbox.invoice import cards, control, pages, titles
from wxsandbox.invoice import settings as inv_settings
from wxsandbox.layered import clear_tables

routes = cards.routes + titles.routes + pages.routes
control_routes = control.control_routes
SCHEMA = cards.SCHEMA + titles.SCHEMA
EXAMPLE_TOML = inv_settings.EXAMPLE_TOML


def setup(sandbox: Any) -> None:
    inv_settings.load(sandbox)  # a bad [invoice] table stops the start, not the first request


def reset(sandbox: Any) -> None:
    """Forget every invoice order, card, PDF and title and the run-time settings."""
    clear_tables(sandbox, "inv")
    inv_settings.LAYER.reset(sandbox)
