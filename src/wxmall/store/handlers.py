"""Outbox destination `wechat_store`: every call the hub makes to the Store on its own initiative.

    store.product_sync      {"product_id"}          push the product's current state (coalesced)
    store.stock_sync        {"sku_id"}              make the Store's stock equal to ours
    store.delivery_send     {"order_id", "delivery_id", "waybill_id", "items"}
    store.aftersale_accept  {"after_sale_order_id", "address_id"?}
    store.aftersale_reject  {"after_sale_order_id", "reason"}
    store.aftersale_generate {genaftersaleorder's request}  a refund the merchant starts (request_id: idempotent)
    mp.upload_shipping_info {"transaction_id", "openid", "item_desc", "express_company", "tracking_no"}
                            (the Mini Program's 发货信息管理, so its WeChat Pay funds settle)

Retryable WeChat errors (-1, 40001 after the client's one refresh, 45009/45011 quotas, transport) are
`DeliveryError`: the relay backs off. Anything else is `PermanentError`: a dead letter for the console,
and a product's sync state shows the Store's reason."""

from __future__ import annotations

from typing import Any

from wxmall.core.errors import DomainError
from wxmall.core.outbox import DeliveryError, PermanentError
from wxmall.wechat import client
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WeChatError
from wxmall.wechat.services.store import Parcel


def _product(payload: dict) -> Any:
    from .actions import products

    try:
        return products.push(int(payload["product_id"]))
    except DomainError as exc:
        products.mark_failed(int(payload["product_id"]), exc.message)
        raise
    except WeChatError as exc:
        if not exc.retryable:
            products.mark_failed(
                int(payload["product_id"]), f"微信小店拒绝：errcode {exc.errcode} {exc.errmsg}"
            )
        raise


def _stock(payload: dict) -> Any:
    from .stock_sync import push_stock

    return push_stock(int(payload["sku_id"]))


def _delivery(payload: dict) -> Any:
    parcel = Parcel(
        delivery_id=payload["delivery_id"],
        waybill_id=payload["waybill_id"],
        items=tuple((str(p), str(s), int(n)) for p, s, n in payload.get("items") or []),
    )
    client("store").store.delivery_send(payload["order_id"], [parcel])
    return {"order_id": payload["order_id"]}


def _accept(payload: dict) -> Any:
    client("store").store.aftersale_accept(
        payload["after_sale_order_id"], address_id=payload.get("address_id", "")
    )


def _generate(payload: dict) -> Any:
    from .actions import aftersales

    after_sale_order_id = client("store").store.aftersale_generate(payload)
    aftersales.sync(after_sale_order_id)
    return {"after_sale_order_id": after_sale_order_id}


def _reject(payload: dict) -> Any:
    client("store").store.aftersale_reject(
        payload["after_sale_order_id"], reason=payload.get("reason", "商家拒绝")
    )


def _mp_shipping(payload: dict) -> Any:
    from django.utils import timezone

    from wxmall.wechat.services.store_shipping import Shipment

    shipment = Shipment(
        transaction_id=payload["transaction_id"],
        payer_openid=payload["openid"],
        item_desc=payload["item_desc"],
        tracking_no=payload["tracking_no"],
        express_company=payload["express_company"],
    )
    client("mp").shipping.upload(shipment, upload_time=timezone.localtime())


CALLS = {
    "mp.upload_shipping_info": _mp_shipping,
    "store.product_sync": _product,
    "store.stock_sync": _stock,
    "store.delivery_send": _delivery,
    "store.aftersale_accept": _accept,
    "store.aftersale_reject": _reject,
    "store.aftersale_generate": _generate,
}


def deliver(message, config: dict[str, Any]) -> Any:
    call = CALLS.get(message.kind)
    if call is None or message.destination != "wechat_store":
        raise PermanentError(f"{message.destination} 不处理 {message.kind}")
    try:
        return call(message.payload)
    except NotConfigured as exc:
        raise PermanentError("未配置微信小店") from exc
    except DomainError as exc:
        raise PermanentError(exc.message) from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentError(f"消息内容不完整：{type(exc).__name__}") from exc
    except WeChatError as exc:
        detail = f"errcode {exc.errcode}: {exc.errmsg}"[:500]
        if exc.retryable:
            raise DeliveryError(detail) from exc
        raise PermanentError(detail) from exc
