"""State changes of invoices, one transaction each (the model docstring has the state machine).

Requests: `request_invoice` (customer at checkout, from my orders, or staff's manual issue). Issuing and
reversing reach the invoicing platform through outbox rows (destination `invoice_platform`, handled in
`handlers.py`), whose results come back here (`mark_issued`, `mark_failed`, `mark_reversed`). The WeChat
card package: `wechat_link` gets the authorisation page, `on_authorize_event` takes the user's answer,
and the card insert / status update / rejection are outbox rows (destination `wechat_invoice`).
A successful refund (`on_refund_succeeded`) reverses the order's invoice and re-issues what remains.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from wxmall.accounts.models import User
from wxmall.core.errors import DomainError
from wxmall.core.outbox import enqueue
from wxmall.orders.models import Order, OrderLine
from wxmall.orders.state import OrderStatus
from wxmall.payments.models import Refund, RefundStatus

from . import amounts, events, taxids
from .errors import InvoiceError
from .models import (
    Invoice,
    InvoiceIntent,
    InvoiceOrder,
    InvoiceStatus,
    InvoiceTitle,
    InvoiceType,
    TitleKind,
    WechatStatus,
)

logger = logging.getLogger(__name__)
PLATFORM = "invoice_platform"
WECHAT = "wechat_invoice"
ISSUE, REVERSE = "issue", "reverse"
INSERT, CANCEL_CARD, REJECT = "insert", "cancel_card", "reject"
MAX_ORDERS = 20
INVOICEABLE = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


# -- buyer titles --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Buyer:
    invoice_type: str
    kind: str
    name: str
    tax_id: str = ""
    address: str = ""
    phone: str = ""
    bank_name: str = ""
    bank_account: str = ""

    @property
    def address_phone(self) -> str:
        return " ".join(part for part in (self.address, self.phone) if part)

    @property
    def bank(self) -> str:
        return " ".join(part for part in (self.bank_name, self.bank_account) if part)


LIMITS = {"name": 120, "address": 128, "phone": 32, "bank_name": 128, "bank_account": 32}


def check_buyer(
    *,
    invoice_type: str,
    kind: str,
    name: str,
    tax_id: str = "",
    address: str = "",
    phone: str = "",
    bank_name: str = "",
    bank_account: str = "",
) -> Buyer:
    """The buyer as it will be printed, or DomainError naming what is wrong (nothing is written)."""
    values = {
        "name": name.strip(),
        "address": address.strip(),
        "phone": phone.strip(),
        "bank_name": bank_name.strip(),
        "bank_account": bank_account.replace(" ", ""),
    }
    if invoice_type not in InvoiceType.values or kind not in TitleKind.values:
        raise DomainError(InvoiceError.TITLE_NAME_MISSING, "请选择发票类型和抬头类型")
    if not values["name"]:
        raise DomainError(InvoiceError.TITLE_NAME_MISSING)
    if any(len(values[field]) > limit for field, limit in LIMITS.items()):
        raise DomainError(InvoiceError.FIELD_TOO_LONG)
    tax_id = taxids.normalize(tax_id)
    if kind == TitleKind.COMPANY:
        problem = taxids.problem(tax_id)
        if problem:
            raise DomainError(InvoiceError.TAX_ID_INVALID, problem)
    else:
        # A person's title is a name only: no taxpayer id, and no address, phone or bank, so what is kept
        # of those is always a company's registered details (printed on its invoices), never a person's.
        tax_id = ""
        values |= {"address": "", "phone": "", "bank_name": "", "bank_account": ""}
    if invoice_type == InvoiceType.SPECIAL:
        if kind != TitleKind.COMPANY:
            raise DomainError(InvoiceError.SPECIAL_NEEDS_COMPANY)
        if not all(values[field] for field in ("address", "phone", "bank_name", "bank_account")):
            raise DomainError(InvoiceError.SPECIAL_NEEDS_DETAILS)
    return Buyer(invoice_type, kind, tax_id=tax_id, **values)


def save_title(customer, buyer: Buyer, *, from_wechat: bool = False) -> InvoiceTitle:
    """Keep the buyer as one of the customer's titles (the same name and id again updates the details)."""
    details = {
        "address": buyer.address,
        "phone": buyer.phone,
        "bank_name": buyer.bank_name,
        "bank_account": buyer.bank_account,
        "from_wechat": from_wechat,
    }
    title, _ = InvoiceTitle.objects.update_or_create(
        customer=customer, kind=buyer.kind, name=buyer.name, tax_id=buyer.tax_id, defaults=details
    )
    return title


TITLE_ATTACH_SALT = "wxmall.invoicing.wechat-title"
TITLE_ATTACH_MAX_AGE = 3600


def title_attach(customer) -> str:
    """What the select-title link carries (WeChat echoes it in the event): the customer, signed."""
    return signing.dumps(customer.pk, salt=TITLE_ATTACH_SALT, compress=True)


def on_title_event(event) -> None:
    """officialaccount hook for `submit_invoice_title`: the customer picked one of their WeChat titles on
    the select-title page; it becomes one of their saved titles. A forged or stale `attach`, or a title
    our rules refuse (e.g. a mistyped tax id saved in WeChat), is logged and ignored."""
    fields = event.fields
    try:
        customer_id = signing.loads(
            fields.get("attach", ""), salt=TITLE_ATTACH_SALT, max_age=TITLE_ATTACH_MAX_AGE
        )
        business = fields.get("title_type") == "InvoiceUserTitleBusinessType"
        buyer = check_buyer(
            invoice_type=InvoiceType.NORMAL,
            kind=TitleKind.COMPANY if business else TitleKind.INDIVIDUAL,
            name=fields.get("title", ""),
            tax_id=fields.get("tax_no", ""),
            address=fields.get("addr", ""),
            phone=fields.get("phone", ""),
            bank_name=fields.get("bank_type", ""),
            bank_account=fields.get("bank_no", ""),
        )
    except (signing.BadSignature, DomainError) as exc:
        logger.warning("submit_invoice_title ignored: %s", exc)
        return
    customer = User.objects.filter(pk=customer_id).first()
    if customer is not None:
        save_title(customer, buyer, from_wechat=True)


# -- requests ------------------------------------------------------------------------------------------------


def refunded(order_ids: list[int]) -> dict[int, int]:
    rows = (
        Refund.objects.filter(order_id__in=order_ids, status=RefundStatus.SUCCESS)
        .values("order_id")
        .annotate(total=Sum("amount"))
    )
    return {row["order_id"]: row["total"] for row in rows}


def _check_order(order: Order, customer, refunds: dict[int, int], now: datetime) -> int:
    """What of `order` can be invoiced (fen), or DomainError."""
    if order.user_id != customer.pk:
        raise DomainError(InvoiceError.ORDER_NOT_FOUND)
    if order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED):
        raise DomainError(InvoiceError.ORDER_UNPAID)
    if order.status in (OrderStatus.REFUNDED, OrderStatus.REFUND_REQUESTED):
        raise DomainError(InvoiceError.ORDER_REFUNDED)
    window = timedelta(days=settings.INVOICE_REQUEST_WINDOW_DAYS)
    if order.status == OrderStatus.COMPLETED and order.completed_at and order.completed_at + window < now:
        raise DomainError(InvoiceError.ORDER_TOO_OLD)
    remaining = order.total - refunds.get(order.pk, 0)
    if remaining <= 0:
        raise DomainError(InvoiceError.ORDER_REFUNDED)
    return remaining


def _category_chain(category) -> list[str]:
    slugs = []
    while category is not None and len(slugs) < 8:
        slugs.append(category.slug)
        category = category.parent
    return slugs


def _lines(orders: list[Order], remaining: dict[int, int]) -> list[amounts.Line]:
    lines: list[amounts.Line] = []
    order_lines = (
        OrderLine.objects.filter(order__in=orders)
        .select_related("sku__product__category__parent__parent")
        .order_by("order_id", "id")
    )
    by_order: dict[int, list[OrderLine]] = {}
    for line in order_lines:
        by_order.setdefault(line.order_id, []).append(line)
    for order in orders:
        goods = [
            amounts.Goods(
                name=f"{line.product_title} {line.spec_label}".strip(),
                quantity=line.quantity,
                weight=line.line_total,
                tax_rate=amounts.rate_for(_category_chain(line.sku.product.category)),
            )
            for line in by_order.get(order.pk, [])
        ]
        lines += amounts.build_lines(goods, remaining[order.pk])
    return lines


def _new_number() -> str:
    return f"FP{timezone.localdate():%y%m%d}{secrets.token_hex(5).upper()}"


def _create(
    customer, buyer: Buyer, orders: list[Order], remaining: dict[int, int], *, email: str, replaces=None
):
    lines = _lines(orders, remaining)
    total = amounts.totals(lines)
    invoice = Invoice.objects.create(
        number=_new_number(),
        customer=customer,
        invoice_type=buyer.invoice_type,
        title_kind=buyer.kind,
        buyer_name=buyer.name,
        buyer_tax_id=buyer.tax_id,
        buyer_address_phone=buyer.address_phone,
        buyer_bank_account=buyer.bank,
        email=email,
        amount=total.amount,
        tax=total.tax,
        total=total.total,
        lines=[line.as_dict() for line in lines],
        replaces=replaces,
    )
    try:
        with transaction.atomic():  # a savepoint: the unique index decides between racing requests
            InvoiceOrder.objects.bulk_create(
                [InvoiceOrder(invoice=invoice, order=order, amount=remaining[order.pk]) for order in orders]
            )
    except IntegrityError:
        raise DomainError(InvoiceError.ALREADY_INVOICED) from None
    enqueue(PLATFORM, ISSUE, {"invoice_id": invoice.pk}, key=f"{PLATFORM}:issue:{invoice.number}:0")
    return invoice


def request_invoice(customer, order_nos: list[str], buyer: Buyer, *, email: str = "", actor=None) -> Invoice:
    """One invoice for the customer's paid orders (several: a merged invoice). Issued through the outbox."""
    order_nos = list(dict.fromkeys(order_nos))
    if not order_nos:
        raise DomainError(InvoiceError.ORDER_NOT_FOUND)
    if len(order_nos) > MAX_ORDERS:
        raise DomainError(InvoiceError.TOO_MANY_ORDERS)
    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(order_no__in=order_nos).order_by("pk"))
        if len(orders) != len(order_nos):
            raise DomainError(InvoiceError.ORDER_NOT_FOUND)
        if len({order.user_id for order in orders}) > 1:
            raise DomainError(InvoiceError.MIXED_CUSTOMERS)
        if InvoiceOrder.objects.filter(order__in=orders, active=True).exists():
            raise DomainError(InvoiceError.ALREADY_INVOICED)  # the friendly answer; the index is the guard
        refunds, now = refunded([order.pk for order in orders]), timezone.now()
        remaining = {order.pk: _check_order(order, customer, refunds, now) for order in orders}
        invoice = _create(customer, buyer, orders, remaining, email=email)
        save_title(customer, buyer)
        events.record(invoice, "requested", f"{invoice.get_invoice_type_display()} · {buyer.name}", actor)
    return invoice


def intend(order: Order, buyer: Buyer) -> None:
    """At checkout, inside the order's transaction: invoice this order for `buyer` once it is paid."""
    InvoiceIntent.objects.update_or_create(order=order, defaults={"buyer": asdict(buyer)})


def on_order_paid(order, from_status: str, to_status: str) -> None:
    """orders hook (→ paid): request the invoice the customer asked for at checkout. Inside the payment's
    transaction, so a refusal (e.g. an order already invoiced) is rolled back to a savepoint and logged;
    it never refuses the payment. The customer can still ask from the order page."""
    intent = InvoiceIntent.objects.filter(order_id=order.pk).first()
    if intent is None:
        return
    try:
        with transaction.atomic():
            request_invoice(order.user, [order.order_no], Buyer(**intent.buyer))
    except DomainError as exc:
        logger.warning("invoice asked at checkout for %s not requested: %s", order.order_no, exc.message)


# -- issuing (results of the platform handler) ---------------------------------------------------------------


def claim_issue(invoice_id: int) -> Invoice | None:
    """Mark the invoice as being issued; None if there is nothing to issue (issued, cancelled…)."""
    with transaction.atomic():
        claimed = Invoice.objects.filter(
            pk=invoice_id, status__in=(InvoiceStatus.REQUESTED, InvoiceStatus.ISSUING)
        ).update(status=InvoiceStatus.ISSUING, attempts=F("attempts") + 1)
        return Invoice.objects.get(pk=invoice_id) if claimed else None


def note_error(invoice_id: int, message: str) -> None:
    Invoice.objects.filter(pk=invoice_id).update(last_error=message[:300])


def mark_failed(invoice_id: int, message: str) -> None:
    with transaction.atomic():
        moved = Invoice.objects.filter(pk=invoice_id, status=InvoiceStatus.ISSUING).update(
            status=InvoiceStatus.FAILED, last_error=message[:300]
        )
        if moved:
            events.record(Invoice.objects.get(pk=invoice_id), "failed", message)


def mark_issued(invoice_id: int, invoice_no: str, issued_at: int, pdf: bytes) -> None:
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.status != InvoiceStatus.ISSUING:
            return
        Invoice.objects.filter(pk=invoice.pk).update(
            status=InvoiceStatus.ISSUED,
            platform_invoice_no=invoice_no[:32],
            issued_at=datetime.fromtimestamp(issued_at, UTC),
            pdf=pdf,
            last_error="",
        )
        events.record(invoice, "issued", f"发票号码 {invoice_no}")
        if invoice.wechat_status == WechatStatus.AUTHORIZED:
            _enqueue_insert(invoice)
        if invoice.reverse_reason:  # a refund arrived while the platform was issuing it
            _start_reversal(invoice, invoice.reverse_reason)


def retry(invoice_id: int, staff) -> Invoice:
    """Staff's 重试: a failed invoice goes back to requested; one stuck in issuing (its outbox row gave up)
    is handed to the platform handler again, which asks the platform before issuing anything."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.status not in (InvoiceStatus.FAILED, InvoiceStatus.ISSUING, InvoiceStatus.REQUESTED):
            raise DomainError(InvoiceError.NOT_RETRYABLE)
        if invoice.status == InvoiceStatus.FAILED:
            Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.REQUESTED)
        key = f"{PLATFORM}:issue:{invoice.number}:{invoice.attempts}:{secrets.token_hex(4)}"
        enqueue(PLATFORM, ISSUE, {"invoice_id": invoice.pk}, key=key)
        events.record(invoice, "retried", "", staff)
    invoice.refresh_from_db()
    return invoice


def correct_buyer(invoice_id: int, buyer: Buyer, staff) -> Invoice:
    """Fix the title of an invoice the platform refused, then issue it again."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.status != InvoiceStatus.FAILED:
            raise DomainError(InvoiceError.NOT_RETRYABLE)
        Invoice.objects.filter(pk=invoice.pk).update(
            invoice_type=buyer.invoice_type,
            title_kind=buyer.kind,
            buyer_name=buyer.name,
            buyer_tax_id=buyer.tax_id,
            buyer_address_phone=buyer.address_phone,
            buyer_bank_account=buyer.bank,
        )
        events.record(invoice, "corrected", buyer.name, staff)
    return retry(invoice_id, staff)


# -- reversal (红冲) -----------------------------------------------------------------------------------------


def _start_reversal(invoice: Invoice, reason: str) -> None:
    red_no = f"{invoice.number}R"
    moved = Invoice.objects.filter(pk=invoice.pk, status=InvoiceStatus.ISSUED, red_request_no="").update(
        red_request_no=red_no, reverse_reason=reason[:100]
    )
    if moved:
        enqueue(PLATFORM, REVERSE, {"invoice_id": invoice.pk}, key=f"{PLATFORM}:reverse:{red_no}")
        events.record(invoice, "reversing", reason)


def request_reversal(invoice_id: int, reason: str, actor=None) -> None:
    """Reverse an invoice whose amount is no longer right (a refund, or staff's 红冲). What was never
    issued is cancelled and re-created at once; what the platform is issuing right now is reversed as
    soon as it is issued; an issued one gets a red-letter invoice, then a new one for what remains."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.status in (InvoiceStatus.REQUESTED, InvoiceStatus.FAILED):
            Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.CANCELLED)
            InvoiceOrder.objects.filter(invoice=invoice).update(active=False)
            events.record(invoice, "cancelled", reason, actor)
            _reissue_remaining(invoice)
        elif invoice.status == InvoiceStatus.ISSUING:
            Invoice.objects.filter(pk=invoice.pk).update(reverse_reason=reason[:100])
            events.record(invoice, "reverse_pending", reason, actor)
        elif invoice.status == InvoiceStatus.ISSUED:
            _start_reversal(invoice, reason)


def on_refund_succeeded(sender, refund, **kwargs) -> None:
    """payments' `refund_succeeded`: the order's live invoice no longer matches what the customer paid."""
    for link in InvoiceOrder.objects.filter(order_id=refund.order_id, active=True):
        request_reversal(link.invoice_id, f"退款 {refund.out_refund_no}")


def mark_reversed(invoice_id: int, red_invoice_no: str, red_pdf: bytes) -> None:
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.status != InvoiceStatus.ISSUED:
            return
        Invoice.objects.filter(pk=invoice.pk).update(
            status=InvoiceStatus.REVERSED,
            red_invoice_no=red_invoice_no[:32],
            reversed_at=timezone.now(),
            red_pdf=red_pdf,
            last_error="",
        )
        InvoiceOrder.objects.filter(invoice=invoice).update(active=False)
        events.record(invoice, "reversed", f"红字发票号码 {red_invoice_no}")
        if invoice.wechat_status == WechatStatus.INSERTED:
            enqueue(WECHAT, CANCEL_CARD, {"invoice_id": invoice.pk}, key=f"{WECHAT}:cancel:{invoice.number}")
        elif invoice.wechat_status in (WechatStatus.LINK, WechatStatus.AUTHORIZED):
            enqueue(WECHAT, REJECT, {"invoice_id": invoice.pk}, key=f"{WECHAT}:reject:{invoice.number}")
        _reissue_remaining(invoice)


def _reissue_remaining(old: Invoice) -> Invoice | None:
    """A new invoice, same buyer, for what the customer still keeps of the old one's orders."""
    orders = list(Order.objects.select_for_update().filter(invoice_links__invoice=old).order_by("pk"))
    refunds = refunded([order.pk for order in orders])
    remaining = {order.pk: order.total - refunds.get(order.pk, 0) for order in orders}
    keep = [order for order in orders if remaining[order.pk] > 0 and order.status in INVOICEABLE]
    if not keep:
        return None
    buyer = Buyer(
        old.invoice_type,
        old.title_kind,
        old.buyer_name,
        old.buyer_tax_id,
        address=old.buyer_address_phone,
        bank_name=old.buyer_bank_account,
    )
    new = _create(old.customer, buyer, keep, remaining, email=old.email, replaces=old)
    events.record(new, "reissued", f"红冲 {old.number} 后按剩余金额重开")
    return new


# -- WeChat card package -------------------------------------------------------------------------------------


def set_wechat_link(invoice_id: int, order_id: str) -> bool:
    return bool(
        Invoice.objects.filter(
            pk=invoice_id,
            status__in=(InvoiceStatus.REQUESTED, InvoiceStatus.ISSUING, InvoiceStatus.ISSUED),
            wechat_status__in=(WechatStatus.NONE, WechatStatus.LINK, WechatStatus.DECLINED),
        ).update(wechat_status=WechatStatus.LINK, wechat_order_id=order_id)
    )


def _enqueue_insert(invoice: Invoice) -> None:
    key = f"{WECHAT}:insert:{invoice.number}:{secrets.token_hex(4)}"
    enqueue(WECHAT, INSERT, {"invoice_id": invoice.pk}, key=key)


def on_authorize_event(event) -> None:
    """officialaccount hook for `user_authorize_invoice`: the user finished WeChat's authorisation page."""
    success, failure = event.fields.get("SuccOrderId", ""), event.fields.get("FailOrderId", "")
    with transaction.atomic():
        if success:
            invoice = Invoice.objects.select_for_update().filter(wechat_order_id=success).first()
            if invoice is None:
                return
            moved = Invoice.objects.filter(
                pk=invoice.pk, wechat_status__in=(WechatStatus.LINK, WechatStatus.DECLINED)
            ).update(wechat_status=WechatStatus.AUTHORIZED, wechat_openid=event.openid[:64], wechat_error="")
            if moved:
                events.record(invoice, "wechat_authorized", "用户已在微信授权开票")
                if invoice.status == InvoiceStatus.ISSUED:
                    _enqueue_insert(invoice)
                elif invoice.status in (InvoiceStatus.REVERSED, InvoiceStatus.CANCELLED):
                    enqueue(
                        WECHAT, REJECT, {"invoice_id": invoice.pk}, key=f"{WECHAT}:reject:{invoice.number}"
                    )
        if failure:
            invoice = Invoice.objects.filter(wechat_order_id=failure).first()
            if invoice and Invoice.objects.filter(pk=invoice.pk, wechat_status=WechatStatus.LINK).update(
                wechat_status=WechatStatus.DECLINED
            ):
                events.record(invoice, "wechat_declined", "用户未在微信授权")


def mark_wechat(invoice_id: int, status: str, *, code: str = "", error: str = "", only_from=()) -> bool:
    query = Invoice.objects.filter(pk=invoice_id)
    if only_from:
        query = query.filter(wechat_status__in=only_from)
    fields = {"wechat_status": status, "wechat_error": error[:300]}
    if code:
        fields["card_code"] = code[:32]
    with transaction.atomic():
        moved = query.update(**fields)
        if moved:
            label = WechatStatus(status).label
            events.record(Invoice.objects.get(pk=invoice_id), f"wechat_{status or 'none'}", error or label)
    return bool(moved)


def retry_wechat(invoice_id: int, staff) -> None:
    """Staff's 重新存入卡包 after an insert failed (the user's authorisation still stands)."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.status != InvoiceStatus.ISSUED or invoice.wechat_status != WechatStatus.FAILED:
            raise DomainError(InvoiceError.NOT_RETRYABLE, "只有存入卡包失败的已开票发票可以重试")
        Invoice.objects.filter(pk=invoice.pk).update(wechat_status=WechatStatus.AUTHORIZED)
        _enqueue_insert(invoice)
        events.record(invoice, "wechat_retried", "", staff)
