"""Which shop the hub is bound to and what its subject type allows (limits are settings: WeChat changes
them). Read-only helpers shared by binding, catalogue sync and the console."""

from __future__ import annotations

import re

from django.conf import settings

from wxmall.core.errors import DomainError

from .errors import StoreError
from .models import CategoryMapping, ShopType, StoreShop

FINDER_ID = re.compile(r"sph[A-Za-z0-9_-]{4,60}")
SUBJECT_TYPES = {"企业": ShopType.ENTERPRISE, "个体工商户": ShopType.PERSONAL}


def store_appid() -> str:
    appid = (settings.WECHAT_APPS.get("store") or {}).get("appid", "")
    if not appid:
        raise DomainError(StoreError.NOT_CONFIGURED)
    return appid


def current_shop() -> StoreShop | None:
    appid = (settings.WECHAT_APPS.get("store") or {}).get("appid", "")
    return StoreShop.objects.filter(appid=appid).first() if appid else None


def bound_shop() -> StoreShop:
    shop = current_shop()
    if shop is None:
        raise DomainError(StoreError.NOT_BOUND)
    return shop


def shop_type_for(subject_type: str) -> str:
    """The setting wins (STORE_SHOP_TYPE); otherwise the subject type WeChat reports. Anything WeChat
    reports that is not 企业 is treated as personal: the stricter rules are the safe default."""
    if settings.STORE_SHOP_TYPE:
        return settings.STORE_SHOP_TYPE
    return SUBJECT_TYPES.get(subject_type, ShopType.PERSONAL)


def channels_limit(shop_type: str) -> int:
    if shop_type == ShopType.ENTERPRISE:
        return settings.STORE_CHANNELS_LIMIT_ENTERPRISE
    return settings.STORE_CHANNELS_LIMIT_PERSONAL


def restricted_hit(shop: StoreShop, mapping: CategoryMapping) -> str:
    """The restricted Store category id on `mapping`'s path for a personal shop, or ""."""
    if shop.shop_type != ShopType.PERSONAL:
        return ""
    restricted = set(settings.STORE_PERSONAL_RESTRICTED_CATEGORIES)
    return next((cat for cat in mapping.store_path if cat in restricted), "")


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def over_payment_limit(shop: StoreShop, prices: list[int]) -> str:
    """Why a personal shop may not sell at these SKU prices (fen), or "": one payment cannot exceed the
    owner's bank card limit (STORE_PERSONAL_PAYMENT_LIMIT_FEN), so such a product cannot be bought."""
    if shop.shop_type != ShopType.PERSONAL or not prices:
        return ""
    limit, top = settings.STORE_PERSONAL_PAYMENT_LIMIT_FEN, max(prices)
    if top <= limit:
        return ""
    return f"{StoreError.PAYMENT_LIMIT.message}（单笔限额 {yuan(limit)}，最高 SKU 售价 {yuan(top)}）"


def check_category(shop: StoreShop, mapping: CategoryMapping) -> None:
    if restricted_hit(shop, mapping):
        raise DomainError(StoreError.CATEGORY_RESTRICTED)


def push_credentials(appid: str) -> tuple[str, str]:
    """(Token, EncodingAESKey) of the Store push. The demo reads them from wxsandbox when unset, as it
    does the AppSecret; production refuses to start without them (settings)."""
    token, aes_key = settings.WECHAT_STORE_PUSH_TOKEN, settings.WECHAT_STORE_PUSH_AES_KEY
    if token and aes_key or not settings.DEMO:
        return token, aes_key
    import httpx
    from django.core.cache import cache

    base = settings.WECHAT_API_BASE.rstrip("/")
    key = f"store:demo-push:{base}:{appid}"
    found = cache.get(key)
    if found is None:
        try:
            apps = httpx.get(f"{base}/sandbox/keys", timeout=5, trust_env=False).json()["apps"]
            app = next(a for a in apps if a["appid"] == appid)
            found = (app["token"], app["encoding_aes_key"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError, StopIteration):
            return "", ""  # sandbox not up yet: pushes are refused (and polled) until it is
        cache.set(key, found, 300)
    return tuple(found)
