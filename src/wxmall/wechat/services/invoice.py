"""WeChat e-invoice (微信电子发票, `card/invoice/*`) for a self-built platform merchant (自建平台): the shop's
own Official Account obtains the user's authorisation and inserts the invoice card itself (reference
wechat-invoice-fission.md §1.2–1.9). Amounts are integer fen on the wire."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from wxmall.wechat.services.base import Service


class InvoiceService(Service):
    # -- one-time setup ------------------------------------------------------------------------------------
    def s_pappid(self) -> str:
        """`seturl` (stable per account): the platform id is a query parameter of `invoice_url`."""
        data = self._client.post("/card/invoice/seturl", api="invoice.seturl", json={})
        return (parse_qs(urlsplit(data.get("invoice_url", "")).query).get("s_pappid") or [""])[0]

    def set_contact(self, phone: str, time_out: int) -> None:
        self._client.post(
            "/card/invoice/setbizattr",
            api="invoice.set_contact",
            params={"action": "set_contact"},
            json={"contact": {"phone": phone, "time_out": time_out}},
        )

    def create_card(self, *, payee: str, invoice_type: str, title: str, logo_url: str) -> str:
        data = self._client.post(
            "/card/invoice/platform/createcard",
            api="invoice.createcard",
            json={
                "invoice_info": {
                    "base_info": {"logo_url": logo_url, "title": title},
                    "type": invoice_type,
                    "payee": payee,
                }
            },
        )
        return data["card_id"]

    # -- per order -----------------------------------------------------------------------------------------
    def card_ticket(self) -> str:
        return self._client.get(
            "/cgi-bin/ticket/getticket", api="invoice.ticket", params={"type": "wx_card"}
        )["ticket"]

    def auth_url(
        self, *, s_pappid: str, order_id: str, money: int, ticket: str, redirect_url: str = "", kind: int = 0
    ) -> str:
        body: dict[str, Any] = {
            "s_pappid": s_pappid,
            "order_id": order_id,
            "money": money,
            "timestamp": int(time.time()),
            "source": "web",
            "ticket": ticket,
            "type": kind,
        }
        if redirect_url:
            body["redirect_url"] = redirect_url
        return self._client.post("/card/invoice/getauthurl", api="invoice.getauthurl", json=body)["auth_url"]

    def auth_data(self, s_pappid: str, order_id: str) -> dict[str, Any]:
        return self._client.post(
            "/card/invoice/getauthdata",
            api="invoice.getauthdata",
            json={"s_pappid": s_pappid, "order_id": order_id},
        )

    def reject_insert(self, s_pappid: str, order_id: str, reason: str, url: str = "") -> None:
        body = {"s_pappid": s_pappid, "order_id": order_id, "reason": reason}
        if url:
            body["url"] = url
        self._client.post("/card/invoice/rejectinsert", api="invoice.rejectinsert", json=body)

    # -- delivery ------------------------------------------------------------------------------------------
    def upload_pdf(self, content: bytes, filename: str = "invoice.pdf") -> str:
        data = self._client.request(
            "POST",
            "/card/invoice/platform/setpdf",
            api="invoice.setpdf",
            files={"pdf": (filename, content, "application/pdf")},
        )
        return data["s_media_id"]

    def insert(self, *, order_id: str, card_id: str, appid: str, invoice_user_data: dict[str, Any]) -> dict:
        """Put the invoice card into the user's card package: `{"code", "openid", …}`."""
        return self._client.post(
            "/card/invoice/insert",
            api="invoice.insert",
            json={
                "order_id": order_id,
                "card_id": card_id,
                "appid": appid,
                "card_ext": {
                    "nonce_str": secrets.token_hex(8),
                    "user_card": {"invoice_user_data": invoice_user_data},
                },
            },
        )

    def update_status(self, card_id: str, code: str, reimburse_status: str) -> None:
        self._client.post(
            "/card/invoice/platform/updatestatus",
            api="invoice.updatestatus",
            json={"card_id": card_id, "code": code, "reimburse_status": reimburse_status},
        )

    # -- titles --------------------------------------------------------------------------------------------
    def select_title_url(self, attach: str, biz_name: str) -> str:
        return self._client.post(
            "/card/invoice/biz/getselecttitleurl",
            api="invoice.getselecttitleurl",
            json={"attach": attach, "biz_name": biz_name},
        )["url"]
