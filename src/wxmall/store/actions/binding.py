"""Connecting the merchant's WeChat Store and binding its Channels (视频号) accounts.

The number of bound accounts is limited by the shop's subject type (settings: enterprise 5, personal 1).
The count is a guarded counter on the shop row (`UPDATE … WHERE channels_count < limit`), so two staff
binding at once can never exceed it; the (shop, finder_id) unique constraint refuses a duplicate."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from wxmall.core.errors import DomainError
from wxmall.wechat import client
from wxmall.wechat.errors import WeChatError

from ..errors import StoreError
from ..models import CategoryMapping, ChannelsAccount, StoreShop
from ..shop import FINDER_ID, bound_shop, channels_limit, shop_type_for, store_appid


def connect() -> StoreShop:
    """Read the shop's basics from the Store and record (or refresh) the binding."""
    appid = store_appid()
    try:
        info = client("store").store.shop_info()
    except WeChatError as exc:
        raise DomainError(StoreError.UNAVAILABLE) from exc
    with transaction.atomic():
        shop, _ = StoreShop.objects.update_or_create(
            appid=appid,
            defaults={
                "shop_type": shop_type_for(info.subject_type),
                "nickname": info.nickname[:64],
                "username": info.username[:64],
                "status": info.status[:32],
            },
        )
    return shop


def bind_channels(finder_id: str, nickname: str = "") -> ChannelsAccount:
    finder_id = finder_id.strip()
    if not FINDER_ID.fullmatch(finder_id):
        raise DomainError(StoreError.CHANNELS_INVALID)
    shop = bound_shop()
    limit = channels_limit(shop.shop_type)
    with transaction.atomic():
        if not StoreShop.objects.filter(pk=shop.pk, channels_count__lt=limit).update(
            channels_count=F("channels_count") + 1
        ):
            raise DomainError(StoreError.CHANNELS_LIMIT, limit=limit)
        try:
            with transaction.atomic():
                return ChannelsAccount.objects.create(shop=shop, finder_id=finder_id, nickname=nickname[:64])
        except IntegrityError:
            raise DomainError(StoreError.CHANNELS_DUPLICATE) from None  # the outer rollback undoes the +1


def unbind_channels(account_id: int) -> bool:
    with transaction.atomic():
        account = ChannelsAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            return False
        account.delete()
        StoreShop.objects.filter(pk=account.shop_id, channels_count__gte=1).update(
            channels_count=F("channels_count") - 1
        )
    return True


def map_category(category_id: int, store_path: list[str], names: str = "") -> CategoryMapping:
    """Sell local category `category_id` under the Store category path (root → leaf ids). A personal
    shop cannot map to a restricted category; products already synced in it are queued for resync."""
    from ..shop import check_category
    from .products import queue_category

    path = [str(p).strip() for p in store_path if str(p).strip()]
    if not path or not all(p.isdigit() and len(p) <= 20 for p in path):
        raise DomainError(StoreError.CATEGORY_NOT_MAPPED)
    shop = bound_shop()
    check_category(shop, CategoryMapping(store_path=path))
    with transaction.atomic():
        mapping, _ = CategoryMapping.objects.update_or_create(
            category_id=category_id, defaults={"store_path": path, "store_names": names[:200]}
        )
        queue_category(category_id)
    return mapping
