"""The alliance (优选联盟): publishing our products with a commission plan, and importing other
merchants' alliance products into the Channels account's window, with what promoters sold."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from wxmall.core.errors import DomainError
from wxmall.core.outbox import enqueue

from ..errors import ChannelsError
from ..models import AllianceItem, ImportedProduct

DESTINATION, PUBLISH = "channels_store", "alliance.publish"


def publish(product_id: int, ratio: int) -> AllianceItem:
    """Record the plan and queue `league/item/batchadd` (type 1 普通推广) through the outbox."""
    from wxmall.store.models import StoreProduct

    if not isinstance(ratio, int) or not 1 <= ratio <= 90:
        raise DomainError(ChannelsError.ALLIANCE_RATIO)
    listing = StoreProduct.objects.filter(product_id=product_id).exclude(store_product_id=None).first()
    if listing is None:
        from wxmall.store.errors import StoreError

        raise DomainError(StoreError.NOT_SYNCED)
    with transaction.atomic():
        item, _ = AllianceItem.objects.update_or_create(
            product_id=product_id, defaults={"ratio": ratio, "result": ""}
        )
        enqueue(
            DESTINATION,
            PUBLISH,
            {"product_id": listing.store_product_id, "item": item.pk, "ratio": ratio},
            key=f"{DESTINATION}:alliance:{item.pk}:{ratio}",
        )
    return item


def deliver_publish(payload: dict) -> dict:
    """The outbox call (`handlers.deliver`): the per-item result decides the status."""
    from wxmall.wechat import client

    now = int(timezone.now().timestamp())
    result = client("store").store.league_item_add(
        str(payload["product_id"]), int(payload["ratio"]), begin_time=now, end_time=now + 365 * 24 * 3600
    )
    errcode = result.get("errcode", 0)
    AllianceItem.objects.filter(pk=payload["item"]).update(
        status=1 if errcode == 0 else 0,
        info_id=str(result.get("info_id") or "")[:64],
        result="已上架推广" if errcode == 0 else f"errcode {errcode} {result.get('errmsg', '')}"[:200],
    )
    return {"errcode": errcode}


def import_product(*, appid: str, product_id: str, title: str = "", price: int = 0) -> ImportedProduct:
    """Another shop's alliance product picked into our window, as staff report it. WeChat has no open API
    for this (reference §8.1): `window/product/add` takes only products of shops bound to the Channels
    account (10022008) and refuses 带货中心 products (10022007); they are picked in the Channels app's
    带货中心. The hub records the pick here to report what promoters sold."""
    appid, product_id = appid.strip()[:32], product_id.strip()[:24]
    if not appid or not product_id.isdigit():
        raise DomainError(ChannelsError.PRODUCT_UNKNOWN)
    item, _ = ImportedProduct.objects.update_or_create(
        appid=appid,
        product_id=product_id,
        defaults={"title": title[:120], "price": max(int(price), 0), "status": 1},
    )
    return item
