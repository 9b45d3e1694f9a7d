"""Store after-sales (售后) mirrored locally, and the merchant's accept/reject sent back.

Both ways: a buyer's request in the Store moves the local order to `refund_requested` (whole order; a
partial request is kept on `StoreAfterSale` only), the merchant's decision in the console goes to the Store
through the outbox (`acceptapply`/`rejectapply`), and the refund WeChat makes comes back as the order's
status 200 (every item refunded), which `orders.sync_order` turns into `refunded`. A partial refund leaves
the order's status and adds a note with the items and amount to its trail. Every refund (partial or
whole) is announced once with the order's running refunded total (`events.aftersale_refunded`), so the
channels ledger reverses commission in proportion.

The merchant can also start a refund (`start_refund` → `genaftersaleorder`): WeChat pays Store refunds, the
hub never refunds a Store order through its own WeChat Pay. The buyer confirms it in WeChat and the result
comes back like any after-sale. The console form carries a one-time `request_id`, WeChat's idempotency key,
so a double submit or a retried call opens one after-sale."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction

from wxmall.core.errors import DomainError
from wxmall.core.money import format_yuan
from wxmall.core.outbox import enqueue
from wxmall.orders import events
from wxmall.orders.models import Order, OrderLine
from wxmall.orders.state import ActorKind, OrderStatus
from wxmall.wechat import client

from .. import events as store_events
from ..errors import StoreError
from ..models import StoreAfterSale, StoreOrder, StoreSku
from . import orders

OPEN = frozenset(
    {
        "MERCHANT_PROCESSING",
        "USER_WAIT_RETURN",
        "MERCHANT_WAIT_RECEIPT",
        "USER_WAIT_CONFIRM",
        "USER_WAIT_HANDLE_MERCHANT_AFTER_SALE",
    }
)
CLOSED_WITHOUT_REFUND = frozenset(
    {"USER_CANCELD", "MERCHANT_REJECT_REFUND", "MERCHANT_REJECT_RETURN", "MERCHANT_FAIL", "RETURN_CLOSED"}
)
REFUNDED = frozenset({"MERCHANT_REFUND_SUCCESS", "MERCHANT_RETURN_SUCCESS"})


def sync(after_sale_order_id: str) -> StoreAfterSale | None:
    service = client("store").store
    sale = service.aftersale_get(after_sale_order_id)
    so = StoreOrder.objects.filter(store_order_id=sale.order_id).first()
    if so is None:
        so = orders.sync_order(sale.order_id)
        if so is None:
            return None
    with transaction.atomic():
        before = (
            StoreAfterSale.objects.filter(after_sale_order_id=sale.after_sale_order_id)
            .values_list("status", flat=True)
            .first()
        )
        row, _ = StoreAfterSale.objects.update_or_create(
            after_sale_order_id=sale.after_sale_order_id,
            defaults={
                "store_order": so,
                "status": sale.status[:48],
                "type": sale.type[:16],
                "store_sku_id": sale.sku_id[:24],
                "count": max(sale.count, 0),
                "refund_amount": max(sale.refund_amount, 0),
            },
        )
        order = Order.objects.select_for_update().get(pk=so.order_id)
        whole = order.lines.count() == 1 and order.lines.filter(quantity__lte=sale.count).exists()
        if (
            sale.status in OPEN
            and whole
            and order.status
            in (
                OrderStatus.PAID,
                OrderStatus.SHIPPED,
                OrderStatus.DELIVERED,
            )
        ):
            orders._move(order, OrderStatus.REFUND_REQUESTED, "微信小店售后申请")
        elif sale.status in REFUNDED and before not in REFUNDED and not whole:
            events.note(
                order,
                f"微信小店部分退款：{_line_title(order, sale.sku_id)} ×{sale.count}，{format_yuan(sale.refund_amount)}",
                actor_kind=ActorKind.WECHAT,
            )
        if sale.status in REFUNDED and before not in REFUNDED:
            refunded = sum(
                StoreAfterSale.objects.filter(store_order=so, status__in=REFUNDED).values_list(
                    "refund_amount", flat=True
                )
            )
            store_events.aftersale_refunded.send(
                sender=StoreAfterSale,
                order=order,
                ref=sale.after_sale_order_id,
                refunded_total=refunded,
                paid_total=order.total,
            )
        elif sale.status in CLOSED_WITHOUT_REFUND and order.status == OrderStatus.REFUND_REQUESTED:
            from wxmall.orders import actions as order_actions

            order_actions.transition(
                order.pk, order.refund_from_status, actor_kind=ActorKind.STAFF, reason="微信小店售后关闭"
            )
    if sale.status in REFUNDED:
        orders.sync_order(sale.order_id)  # the order's own status says whether everything was refunded
    return row


def decide(after_sale_order_id: str, *, accept: bool, reason: str = "", address_id: str = "") -> None:
    """The merchant's answer, queued for the Store (one row per decision and after-sale status)."""
    with transaction.atomic():
        row = (
            StoreAfterSale.objects.select_for_update().filter(after_sale_order_id=after_sale_order_id).first()
        )
        if row is None:
            raise DomainError(StoreError.ORDER_NOT_FROM_STORE)
        kind = "store.aftersale_accept" if accept else "store.aftersale_reject"
        payload = {"after_sale_order_id": after_sale_order_id}
        # A return (退货退款) needs the merchant's return address: the one given, else the shop's default.
        address_id = address_id or (settings.STORE_AFTER_SALE_ADDRESS_ID if row.type == "RETURN" else "")
        if accept and address_id:
            payload["address_id"] = address_id[:32]
        if not accept:
            payload["reason"] = (reason or "商家拒绝")[:200]
        enqueue("wechat_store", kind, payload, key=f"wechat_store:{kind}:{after_sale_order_id}:{row.status}")


def _line_title(order: Order, store_sku_id: str) -> str:
    line = order.lines.filter(sku__store_sku__store_sku_id=store_sku_id).first()
    return line.product_title[:40] if line else f"SKU {store_sku_id}"


REQUEST_ID = re.compile(r"[0-9a-f]{32}")
REFUND_REASONS = {"OTHERS", "QUALITY_ISSUE", "SEND_WRONG_GOODS", "NOT_MATCH_PRODUCT_DESC", "NO_LONGER_WANT"}


def start_refund(
    order_id: int, line_id: int, *, count: int, amount: int, reason: str, request_id: str, staff=None
) -> None:
    """Queue `genaftersaleorder` for `count` items of one line of a Store order, refunding `amount` fen."""
    if not REQUEST_ID.fullmatch(request_id or ""):
        raise DomainError(StoreError.REFUND_FORM_EXPIRED)
    if reason not in REFUND_REASONS:
        raise DomainError(StoreError.REFUND_INVALID)
    with transaction.atomic():
        so = StoreOrder.objects.select_for_update().filter(order_id=order_id).first()
        if so is None:
            raise DomainError(StoreError.ORDER_NOT_FROM_STORE)
        line = OrderLine.objects.filter(pk=line_id, order_id=order_id).first()
        sku = (
            StoreSku.objects.filter(sku_id=line.sku_id).select_related("store_product").first()
            if line
            else None
        )
        if line is None or sku is None or not sku.store_sku_id:
            raise DomainError(StoreError.REFUND_INVALID)
        taken = sum(
            StoreAfterSale.objects.filter(store_order=so, store_sku_id=sku.store_sku_id)
            .exclude(status__in=CLOSED_WITHOUT_REFUND)
            .values_list("count", flat=True)
        )
        if (
            not 1 <= count <= line.quantity - taken
            or not 1 <= amount <= line.line_total * count // line.quantity
        ):
            raise DomainError(StoreError.REFUND_INVALID)
        request = {
            "request_id": request_id,
            "order_id": so.store_order_id,
            "product_id": sku.store_product.store_product_id,
            "sku_id": sku.store_sku_id,
            "count": count,
            "amount": amount,
            "reason": reason,
            "type": "REFUND",
        }
        enqueue(
            "wechat_store",
            "store.aftersale_generate",
            request,
            key=f"wechat_store:aftersale_generate:{request_id}",
        )
        events.note(
            Order.objects.get(pk=order_id),
            f"商家发起微信小店退款：{line.product_title[:40]} ×{count}，{format_yuan(amount)}，待买家确认",
            actor=staff,
            actor_kind=ActorKind.STAFF,
        )
