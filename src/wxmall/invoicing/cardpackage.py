"""The WeChat side of an invoice (self-built platform mode, reference §1.2): the account's one-time setup,
the authorisation page for an invoice, and the card-package calls the outbox handler makes.

Every call goes through `wxmall.wechat.client("oa").invoice` (wxsandbox in the demo and tests)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from wxmall.core.errors import DomainError
from wxmall.wechat import client
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WeChatError

from . import actions
from .errors import InvoiceError
from .models import Invoice, InvoiceStatus, WechatInvoiceSetup, WechatStatus

TICKET_CACHE = "wxmall:invoicing:wx_card_ticket:{appid}"
TICKET_TTL_SECONDS = 7000  # WeChat's ticket lives 7200 s


def _service():
    return client("oa").invoice


def setup() -> WechatInvoiceSetup:
    """The account's s_pappid and card template, asked of WeChat once. Two processes racing here may
    both create a template; one row wins and the other template is simply never used."""
    appid = client("oa").appid
    found = WechatInvoiceSetup.objects.filter(appid=appid).first()
    if found is not None:
        return found
    service = _service()
    s_pappid = service.s_pappid()
    service.set_contact(settings.INVOICE_CONTACT_PHONE, settings.INVOICE_WECHAT_TIME_OUT_SECONDS)
    card_id = service.create_card(
        payee=settings.INVOICE_SELLER_NAME,
        invoice_type="增值税电子发票",
        title=settings.INVOICE_CARD_TITLE[:9],
        logo_url=settings.INVOICE_LOGO_URL,
    )
    found, _ = WechatInvoiceSetup.objects.get_or_create(
        appid=appid, defaults={"s_pappid": s_pappid, "card_id": card_id}
    )
    return found


def _ticket() -> str:
    key = TICKET_CACHE.format(appid=client("oa").appid)
    ticket = cache.get(key)
    if ticket is None:
        ticket = _service().card_ticket()
        cache.set(key, ticket, TICKET_TTL_SECONDS)
    return ticket


def authorization_url(invoice: Invoice, redirect_url: str) -> str:
    """WeChat's page where the customer agrees to receive this invoice in the card package."""
    if invoice.wechat_status in (WechatStatus.INSERTED, WechatStatus.REJECTED, WechatStatus.AUTHORIZED):
        raise DomainError(InvoiceError.WECHAT_DONE)
    if invoice.status in (InvoiceStatus.REVERSED, InvoiceStatus.CANCELLED):
        raise DomainError(InvoiceError.NOT_ISSUED, "该发票已作废或红冲，请使用新开具的发票")
    try:
        s_pappid = setup().s_pappid
        url = _service().auth_url(
            s_pappid=s_pappid,
            order_id=invoice.number,
            money=invoice.total,
            ticket=_ticket(),
            redirect_url=redirect_url,
        )
    except (WeChatError, NotConfigured) as exc:
        raise DomainError(InvoiceError.WECHAT_UNAVAILABLE) from exc
    if not actions.set_wechat_link(invoice.pk, invoice.number):
        raise DomainError(InvoiceError.WECHAT_DONE)
    return url


def invoice_user_data(invoice: Invoice, media_id: str) -> dict:
    issued = invoice.issued_at
    data = {
        "fee": invoice.total,
        "title": invoice.buyer_name,
        "billing_time": int(issued.timestamp()) if issued else 0,
        "billing_no": invoice.platform_invoice_no,
        "billing_code": "",  # 数电发票: a 20-digit number and no code or check code
        "fee_without_tax": invoice.amount,
        "tax": invoice.tax,
        "s_pdf_media_id": media_id,
        "info": [
            {"name": line["name"][:40], "num": line["quantity"], "unit": line["unit"], "price": line["total"]}
            for line in invoice.lines
        ],
    }
    optional = {
        "buyer_number": invoice.buyer_tax_id,
        "buyer_address_and_phone": invoice.buyer_address_phone,
        "buyer_bank_account": invoice.buyer_bank_account,
    }
    return data | {key: value for key, value in optional.items() if value}


def insert(invoice: Invoice) -> dict:
    found = setup()
    media_id = _service().upload_pdf(bytes(invoice.pdf or b""), f"{invoice.platform_invoice_no}.pdf")
    return _service().insert(
        order_id=invoice.wechat_order_id,
        card_id=found.card_id,
        appid=client("oa").appid,
        invoice_user_data=invoice_user_data(invoice, media_id),
    )


def cancel_card(invoice: Invoice) -> None:
    _service().update_status(setup().card_id, invoice.card_code, "INVOICE_REIMBURSE_CANCEL")


def reject(invoice: Invoice, reason: str) -> None:
    _service().reject_insert(setup().s_pappid, invoice.wechat_order_id, reason)


def select_title_url(customer) -> str:
    """WeChat's page where the customer picks one of their saved invoice titles (我的发票抬头)."""
    try:
        return _service().select_title_url(actions.title_attach(customer), settings.INVOICE_SELLER_NAME[:64])
    except (WeChatError, NotConfigured) as exc:
        raise DomainError(InvoiceError.WECHAT_UNAVAILABLE) from exc
