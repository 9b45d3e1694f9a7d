"""Store after-sales (售后) mirrored locally, and the merchant's accept/reject sent back.

Both ways: a buyer's request in the Store moves the local order to `refund_requested` (whole order; a
partial request is kept on `StoreAfterSale` only), the merchant's decision in the console goes to the Store
through the outbox (`acceptapply`/`rejectapply`), and the refund WeChat makes comes back as the order's
status 200 (every item refunded), which `orders.sync_order` turns into `refunded`."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from wxmall.core.errors import DomainError
from wxmall.core.outbox import enqueue
from wxmall.orders.models import Order
from wxmall.orders.state import ActorKind, OrderStatus
from wxmall.wechat import client

from ..errors import StoreError
from ..models import StoreAfterSale, StoreOrder
from . import orders

OPEN = frozenset({"MERCHANT_PROCESSING", "USER_WAIT_RETURN", "MERCHANT_WAIT_RECEIPT", "USER_WAIT_CONFIRM"})
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
