"""Store orders into local orders, and the merchant's answers back to the Store.

`sync_order(store_order_id)` re-reads the order through the API (pushes only say "something changed",
and may arrive late, twice or out of order) and makes the local copy match:

* the first sight creates the local order (channel `wechat_store`, the Channels account, live, video and
  sharer ids kept) for the buyer's local customer when their unionid/openid is known, else for the
  shop's 微信小店买家 account; its units come from the same stock as the H5 shop (guarded `stock.take`,
  origin `wechat_store` because the Store already counted them). `StoreOrder.store_order_id` is unique,
  so a pushed and a polled copy arriving together create one order: the loser's insert fails and it
  continues as an update of the winner's row.
* later sights walk the local state machine forward to the Store's status (never backward: a stale
  push re-reads the current order anyway). A Store cancel releases the stock through checkout's hook.

Shipping from the console (`ship`) records the parcel and queues `delivery/send` through the outbox in
the transaction that marks the local order shipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from wxmall.catalog import stock
from wxmall.core.errors import DomainError
from wxmall.core.outbox import enqueue
from wxmall.orders import actions as order_actions
from wxmall.orders.models import Order, OrderLine
from wxmall.orders.state import ActorKind, OrderStatus
from wxmall.wechat import client

from ..errors import StoreError
from ..models import MpShipment, StoreOrder, StoreShop, StoreSku
from ..shop import bound_shop

CHANNEL = "wechat_store"
BUYERS_USERNAME = "wxstore-buyers"
S = OrderStatus

# Store status (§5.2) → local status
STATUS = {
    10: S.PENDING_PAYMENT,
    20: S.PAID,
    21: S.SHIPPED,
    30: S.SHIPPED,
    100: S.COMPLETED,
    190: S.REFUNDED,
    200: S.REFUNDED,
    250: S.CANCELLED,
}
# Local path to each target (the state machine's moves, in order) and who makes each move.
PATH = {
    S.PENDING_PAYMENT: [],
    S.PAID: [S.PAID],
    S.SHIPPED: [S.PAID, S.SHIPPED],
    S.DELIVERED: [S.PAID, S.SHIPPED, S.DELIVERED],
    S.COMPLETED: [S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED],
}
ACTOR = {
    S.PAID: ActorKind.WECHAT,
    S.SHIPPED: ActorKind.SYSTEM,
    S.DELIVERED: ActorKind.SYSTEM,
    S.COMPLETED: ActorKind.SYSTEM,
    S.CANCELLED: ActorKind.SYSTEM,
    S.REFUND_REQUESTED: ActorKind.CUSTOMER,  # the buyer asked through the Store's after-sales
    S.REFUNDED: ActorKind.WECHAT,
}
RANK = {S.PENDING_PAYMENT: 0, S.PAID: 1, S.SHIPPED: 2, S.DELIVERED: 3, S.COMPLETED: 4}


def _int(value, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return default


def sync_order(store_order_id: str) -> StoreOrder | None:
    """Fetch one Store order and make the local order match. None when its products are not ours."""
    data = client("store").store.order_get(store_order_id)
    return apply_order(data)


def apply_order(data: dict) -> StoreOrder | None:
    shop = bound_shop()
    store_order_id = str(data["order_id"])
    status = _int(data.get("status"))
    update_time = _int(data.get("update_time"))
    with transaction.atomic():
        so = StoreOrder.objects.select_for_update().filter(store_order_id=store_order_id).first()
        if so is None:
            try:
                with transaction.atomic():
                    so = _create(shop, data)
            except IntegrityError:  # the other copy (push vs poll) created it first
                so = StoreOrder.objects.select_for_update().get(store_order_id=store_order_id)
            if so is None:
                return None
        if update_time < so.store_update_time:
            return so  # an older read than the one applied: the newer one already won
        StoreOrder.objects.filter(pk=so.pk).update(store_status=status, store_update_time=update_time)
        so.store_status, so.store_update_time = status, update_time
        _walk(so, status, data)
    return so


def _buyer(shop: StoreShop, data: dict):
    from wxmall.accounts.models import WeChatIdentity

    unionid, openid = str(data.get("unionid") or ""), str(data.get("openid") or "")
    identity = None
    if openid:
        identity = (
            WeChatIdentity.objects.filter(appid=shop.appid, openid=openid).select_related("user").first()
        )
    if identity is None and unionid:
        identity = WeChatIdentity.objects.filter(unionid=unionid).select_related("user").first()
    if identity is not None:
        return identity.user
    user, created = get_user_model().objects.get_or_create(
        username=BUYERS_USERNAME, defaults={"is_active": False, "first_name": "微信小店买家"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _create(shop: StoreShop, data: dict) -> StoreOrder | None:
    detail = data.get("order_detail") or {}
    products = [p for p in detail.get("product_infos") or [] if isinstance(p, dict)]
    skus = {
        s.store_sku_id: s
        for s in StoreSku.objects.filter(
            store_sku_id__in=[str(p.get("sku_id")) for p in products]
        ).select_related("sku__product")
    }
    if not products or any(str(p.get("sku_id")) not in skus for p in products):
        return None  # not a product this hub synced (or an unknown sku id): nothing to mirror
    price = detail.get("price_info") or {}
    freight = _int(price.get("freight"))
    product_price = _int(price.get("product_price")) or sum(
        _int(p.get("sale_price")) * _int(p.get("sku_cnt"), 1) for p in products
    )
    total = _int(price.get("order_price")) or product_price + freight
    discount = max(product_price + freight - total, 0)
    address = (detail.get("delivery_info") or {}).get("address_info") or {}
    ext = detail.get("ext_info") or {}
    sharer = detail.get("sharer_info") or {}
    sources = [s for s in detail.get("source_infos") or [] if isinstance(s, dict)]
    created = datetime.fromtimestamp(_int(data.get("create_time")) or timezone.now().timestamp(), tz=UTC)
    order = Order.objects.create(
        order_no=f"WS{data['order_id']}"[:32],
        user=_buyer(shop, data),
        status=S.PENDING_PAYMENT,
        subtotal=product_price,
        discount=discount,
        shipping_fee=freight,
        total=max(total, 1),
        ship_recipient=str(address.get("user_name", ""))[:64],
        ship_phone=str(address.get("tel_number", ""))[:32],
        ship_province=str(address.get("province_name", ""))[:32],
        ship_city=str(address.get("city_name", ""))[:32],
        ship_district=str(address.get("county_name", ""))[:32],
        ship_detail=str(address.get("detail_info", ""))[:200],
        note=str(ext.get("customer_notes", ""))[:200],
        channel=CHANNEL,
        expires_at=created + timedelta(days=7),  # the Store times unpaid orders out itself
    )
    short = []
    for p in products:
        s = skus[str(p["sku_id"])]
        qty = max(_int(p.get("sku_cnt"), 1), 1)
        unit = _int(p.get("sale_price")) or s.sku.price
        OrderLine.objects.create(
            order=order,
            sku=s.sku,
            product_title=str(p.get("title") or s.sku.product.title)[:120],
            spec_label=s.sku.spec_label[:200],
            image=str(p.get("thumb_img", ""))[:300],
            unit_price=unit,
            quantity=qty,
            line_total=unit * qty,
        )
        if not stock.take(s.sku_id, qty, origin=CHANNEL):
            short.append(s.sku_id)
    first_source = sources[0] if sources else {}
    return StoreOrder.objects.create(
        store_order_id=str(data["order_id"]),
        order=order,
        shop=shop,
        openid=str(data.get("openid") or "")[:128],
        store_status=0,
        finder_id=str(ext.get("finder_id") or first_source.get("account_id") or "")[:64],
        live_id=str(ext.get("live_id") or "")[:128],
        content_id=str(first_source.get("content_id") or "")[:128],
        order_scene=_int(ext.get("order_scene")),
        sharer_openid=str(sharer.get("sharer_openid") or "")[:128],
        source={
            "source_infos": sources,
            "sharer_info": sharer,
            # Alliance (优选联盟) commission WeChat settles itself, as it reported it (reference §5.3).
            "commission_infos": [c for c in detail.get("commission_infos") or [] if isinstance(c, dict)],
            "stock_short": short,
        },
    )


def _walk(so: StoreOrder, store_status: int, data: dict) -> None:
    target = STATUS.get(store_status)
    if target is None:
        return
    order = Order.objects.get(pk=so.order_id)
    if order.status in (S.CANCELLED, S.REFUNDED, S.COMPLETED):
        return
    if target == S.CANCELLED:
        if order.status == S.PENDING_PAYMENT:
            _move(order, S.CANCELLED, "微信小店订单已取消")
        elif order.status != S.REFUND_REQUESTED:
            _move(order, S.REFUND_REQUESTED, "微信小店订单已取消")
            _move(order, S.REFUNDED, "微信小店订单已取消")
        return
    if target == S.REFUNDED:
        if order.status == S.PENDING_PAYMENT:
            _move(order, S.CANCELLED, "微信小店订单已取消")
            return
        if order.status != S.REFUND_REQUESTED:
            _move(order, S.REFUND_REQUESTED, "微信小店售后")
        _move(order, S.REFUNDED, "微信小店售后退款完成")
        return
    if order.status == S.REFUND_REQUESTED:
        return  # after-sales decide where it goes next
    for step in PATH[target]:
        if RANK.get(step, 0) > RANK.get(order.status, 0):
            if step == S.PAID:
                pay = (data.get("order_detail") or {}).get("pay_info") or {}
                Order.objects.filter(pk=order.pk).update(
                    payment_transaction_id=str(pay.get("transaction_id") or "")[:64]
                )
            order = _move(order, step, "微信小店同步")


def _move(order: Order, to: str, reason: str) -> Order:
    return order_actions.transition(order.pk, to, actor_kind=ACTOR[to], reason=reason)


# -- shipping from the console -------------------------------------------------------------------------
def ship(order_id: int, staff, *, delivery_id: str, waybill_id: str) -> StoreOrder | None:
    """Ship a Store order (or an order paid in the Mini Program): the parcel is recorded, the local order
    moves to shipped, and `delivery/send` (or `upload_shipping_info`) is queued — one transaction. The
    order hook refuses a Store order shipped without a waybill."""
    delivery_id, waybill_id = delivery_id.strip()[:32], waybill_id.strip()[:64]
    if not delivery_id or not waybill_id:
        raise DomainError(StoreError.WAYBILL_REQUIRED)
    with transaction.atomic():
        so = StoreOrder.objects.select_for_update().filter(order_id=order_id).first()
        if so is None:
            if not mp_payment(order_id):
                raise DomainError(StoreError.ORDER_NOT_FROM_STORE)
            MpShipment.objects.update_or_create(
                order_id=order_id, defaults={"delivery_id": delivery_id, "waybill_id": waybill_id}
            )
            order_actions.transition(
                order_id, S.SHIPPED, actor=staff, actor_kind=ActorKind.STAFF, reason="小程序订单发货"
            )
            return None
        StoreOrder.objects.filter(pk=so.pk).update(
            delivery={"delivery_id": delivery_id, "waybill_id": waybill_id}
        )
        order_actions.transition(
            order_id, S.SHIPPED, actor=staff, actor_kind=ActorKind.STAFF, reason="微信小店发货"
        )
    return StoreOrder.objects.get(pk=so.pk)


def mp_payment(order_id: int):
    """The order's WeChat Pay payment made in the Mini Program, if it was paid there."""
    from wxmall.payments.models import Payment, PaymentStatus, PayMethod

    return (
        Payment.objects.filter(order_id=order_id, status=PaymentStatus.PAID, method=PayMethod.MINIPROGRAM)
        .exclude(transaction_id=None)
        .first()
    )


def queue_mp_shipping(order: Order) -> bool:
    """Inside the shipping transaction: report the parcel of a Mini-Program-paid order to WeChat."""
    payment = mp_payment(order.pk)
    shipment = MpShipment.objects.filter(order_id=order.pk).first()
    if payment is None or shipment is None:
        return False
    desc = "；".join(f"{title}*{qty}" for title, qty in order.lines.values_list("product_title", "quantity"))
    enqueue(
        "wechat_store",
        "mp.upload_shipping_info",
        {
            "transaction_id": payment.transaction_id,
            "openid": payment.payer_openid,
            "item_desc": desc[:120],
            "express_company": shipment.delivery_id,
            "tracking_no": shipment.waybill_id,
        },
        key=f"wechat_store:mp_shipping:{payment.transaction_id}",
    )
    return True


def queue_delivery(so: StoreOrder) -> None:
    """Inside the shipping transaction (the order hook): the parcel with every line of the order."""
    items = [
        [s.store_product.store_product_id, s.store_sku_id, qty]
        for s, qty in (
            (StoreSku.objects.select_related("store_product").get(sku_id=sku_id), qty)
            for sku_id, qty in so.order.lines.values_list("sku_id", "quantity")
        )
    ]
    enqueue(
        "wechat_store",
        "store.delivery_send",
        {"order_id": so.store_order_id, **so.delivery, "items": items},
        key=f"wechat_store:delivery:{so.store_order_id}",
    )
