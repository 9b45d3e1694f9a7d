"""Outbox delivery for invoices: `invoice_platform` (issue, reverse) and `wechat_invoice` (insert the card,
cancel it after a reversal, reject an authorised order that will not be invoiced).

Issuing is never blind: after any attempt that may have reached the platform (a timeout, a lost answer),
the next one first asks the platform for the request number and takes the invoice it already issued.
A definitive refusal marks the invoice failed for the desk (the row is done); everything transient is a
`DeliveryError`, so the relay backs off and finally dead-letters the row, visible in the console.
"""

from __future__ import annotations

from typing import Any, NoReturn

from wxmall.core.outbox import DeliveryError, PermanentError
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WeChatError

from . import actions, cardpackage
from .config import platform
from .models import Invoice, InvoiceStatus, WechatStatus
from .platform import PlatformRefused, PlatformTimeout, PlatformUnavailable

# WeChat answers that mean the card is already where we want it.
ALREADY_INSERTED, ALREADY_CANCELLED, NEVER_AUTHORISED = 72018, 72060, 72038


def deliver(message, config: dict[str, Any]) -> None:
    invoice_id = message.payload["invoice_id"]
    handler = {
        actions.ISSUE: issue,
        actions.REVERSE: reverse,
        actions.INSERT: insert,
        actions.CANCEL_CARD: cancel_card,
        actions.REJECT: reject,
    }.get(message.kind)
    if handler is None:
        raise PermanentError(f"unknown kind {message.kind}")
    handler(invoice_id)


def request_body(invoice: Invoice) -> dict[str, Any]:
    return {
        "request_no": invoice.number,
        "invoice_type": invoice.invoice_type,
        "buyer": {
            "type": invoice.title_kind,
            "name": invoice.buyer_name,
            "tax_id": invoice.buyer_tax_id,
            "address_phone": invoice.buyer_address_phone,
            "bank_account": invoice.buyer_bank_account,
        },
        "lines": [
            {
                "name": line["name"],
                "unit": line["unit"],
                "quantity": line["quantity"],
                "amount": line["amount"],
                "tax": line["tax"],
                "tax_rate": line["tax_rate"],
            }
            for line in invoice.lines
        ],
        "amount": invoice.amount,
        "tax": invoice.tax,
        "total": invoice.total,
        "remarks": "订单 " + "、".join(invoice.covers.values_list("order__order_no", flat=True)),
    }


def issue(invoice_id: int) -> None:
    invoice = actions.claim_issue(invoice_id)
    if invoice is None:
        return
    adapter = platform()
    try:
        found = adapter.query(invoice.number) if invoice.attempts > 1 else None
        issued = found or adapter.issue(request_body(invoice))
        pdf = adapter.pdf(invoice.number)
    except PlatformRefused as exc:
        actions.mark_failed(invoice.pk, f"开票平台拒绝：{exc}")
        return
    except (PlatformTimeout, PlatformUnavailable) as exc:
        actions.note_error(invoice.pk, str(exc))
        raise DeliveryError(str(exc)) from exc
    actions.mark_issued(invoice.pk, issued.invoice_no, issued.issued_at, pdf)


def reverse(invoice_id: int) -> None:
    invoice = Invoice.objects.get(pk=invoice_id)
    if invoice.status != InvoiceStatus.ISSUED or not invoice.red_request_no:
        return
    adapter = platform()
    try:
        red = adapter.reverse(invoice.number, invoice.red_request_no, invoice.reverse_reason or "退款")
        pdf = adapter.pdf(invoice.red_request_no)
    except PlatformRefused as exc:
        actions.note_error(invoice.pk, f"红冲被拒绝：{exc}")
        raise PermanentError(str(exc)) from exc
    except (PlatformTimeout, PlatformUnavailable) as exc:
        actions.note_error(invoice.pk, str(exc))
        raise DeliveryError(str(exc)) from exc
    actions.mark_reversed(invoice.pk, red.invoice_no, pdf)


def _wechat_failure(invoice_id: int, exc: Exception) -> NoReturn:
    """Transient WeChat trouble is retried by the relay; anything else is shown on the desk and dead-lettered."""
    if isinstance(exc, WeChatError) and exc.retryable:
        raise DeliveryError(str(exc)) from exc
    actions.mark_wechat(invoice_id, WechatStatus.FAILED, error=str(exc))
    raise PermanentError(str(exc)) from exc


def insert(invoice_id: int) -> None:
    invoice = Invoice.objects.get(pk=invoice_id)
    if invoice.status != InvoiceStatus.ISSUED or invoice.wechat_status != WechatStatus.AUTHORIZED:
        return
    try:
        inserted = cardpackage.insert(invoice)
    except WeChatError as exc:
        if exc.errcode == ALREADY_INSERTED:  # an earlier attempt went through; its answer was lost
            actions.mark_wechat(invoice.pk, WechatStatus.INSERTED, only_from=(WechatStatus.AUTHORIZED,))
            return
        _wechat_failure(invoice.pk, exc)
    except NotConfigured as exc:
        _wechat_failure(invoice.pk, exc)
    actions.mark_wechat(
        invoice.pk,
        WechatStatus.INSERTED,
        code=str(inserted.get("code", "")),
        only_from=(WechatStatus.AUTHORIZED,),
    )


def cancel_card(invoice_id: int) -> None:
    invoice = Invoice.objects.get(pk=invoice_id)
    if not invoice.card_code:
        return
    try:
        cardpackage.cancel_card(invoice)
    except WeChatError as exc:
        if exc.errcode != ALREADY_CANCELLED:
            if exc.retryable:
                raise DeliveryError(str(exc)) from exc
            actions.note_error(invoice.pk, f"卡包红冲状态更新失败：{exc}")
            raise PermanentError(str(exc)) from exc


def reject(invoice_id: int) -> None:
    invoice = Invoice.objects.get(pk=invoice_id)
    try:
        cardpackage.reject(invoice, "发票已红冲，将按退款后的金额重新开具")
    except WeChatError as exc:
        if exc.errcode != NEVER_AUTHORISED:  # the user never finished the page: nothing to reject
            if exc.retryable:
                raise DeliveryError(str(exc)) from exc
            raise PermanentError(str(exc)) from exc
    actions.mark_wechat(
        invoice.pk, WechatStatus.REJECTED, only_from=(WechatStatus.LINK, WechatStatus.AUTHORIZED)
    )
