"""Processing stored Store pushes (`StoreEvent`), asynchronously and idempotently.

A push says only that something changed; every handler re-reads the object through the API, so a
duplicate, late or out-of-order push converges on the Store's current state. A failure leaves the row
unprocessed with its error; `retry_events` takes it again (a worker killed mid-processing too)."""

from __future__ import annotations

import json
import logging

from django.db.models import F
from django.utils import timezone

from wxmall.core.errors import DomainError
from wxmall.wechat.config import NotConfigured
from wxmall.wechat.errors import WeChatError

from .models import StoreEvent

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


def process(event_id: int) -> str:
    row = StoreEvent.objects.filter(pk=event_id, processed_at__isnull=True).first()
    if row is None:
        return "done"
    StoreEvent.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    try:
        outcome = dispatch(row.event, json.loads(row.raw))
    except (WeChatError, DomainError, NotConfigured, ValueError, KeyError, TypeError) as exc:
        StoreEvent.objects.filter(pk=row.pk).update(error=f"{type(exc).__name__}: {exc}"[:1000])
        logger.warning("store event %s (%s) failed: %s", row.pk, row.event, exc)
        return "failed"
    StoreEvent.objects.filter(pk=row.pk, processed_at__isnull=True).update(
        processed_at=timezone.now(), error=outcome if outcome.startswith("ignored") else ""
    )
    return outcome


def dispatch(event: str, message: dict) -> str:
    from .actions import aftersales, orders, products
    from .stock_sync import queue_sku_by_store_id

    if event in ("product_spu_audit", "product_spu_listing", "product_spu_update"):
        key = {"product_spu_audit": "ProductSpuAudit", "product_spu_listing": "ProductSpuListing"}.get(
            event, "ProductSpuUpdate"
        )
        body = message.get(key) or {}
        reason = str(body.get("reason") or "") if event == "product_spu_audit" else ""
        state = products.refresh(str(body.get("product_id", "")), reason=reason)
        return f"product {state}" if state else "ignored: 不是本店同步的商品"
    if event.startswith("channels_ec_order_") or event == "product_order_status_update":
        body = message.get("order_info") or message.get("ProductOrderStatusUpdate") or {}
        so = orders.sync_order(str(body.get("order_id", "")))
        return f"order {so.store_order_id}" if so else "ignored: 订单不含本店同步的商品"
    if event == "channels_ec_aftersale_update":
        body = message.get("finder_shop_aftersale_status_update") or {}
        found = aftersales.sync(str(body.get("after_sale_order_id", "")))
        return "aftersale" if found else "ignored: 售后单对应的订单不在本店"
    if event == "channels_ec_stock_no_enough":
        body = message.get("channels_ec_stock_no_enough") or {}
        return "stock queued" if queue_sku_by_store_id(str(body.get("sku_id", ""))) else "ignored: 未知 SKU"
    if event == "channels_ec_sharer_change":
        openid = message.get("openid")
        if not isinstance(openid, str) or not 0 < len(openid) <= 128:
            return "ignored: 分享员变更缺少 openid"
        from . import events as store_events

        answers = [a for _, a in store_events.sharer_changed.send(sender=StoreEvent, openid=openid) if a]
        return f"sharer {answers[0]}" if answers else "ignored: 没有处理分享员的应用"
    return "ignored: 不处理的事件"
