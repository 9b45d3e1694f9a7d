"""Catalogue sync: local SPU/SKU → Store product, through the outbox destination `wechat_store`.

Coalescing: every local change bumps `StoreProduct.wanted_version` and enqueues the row keyed
`wechat_store:product:<id>:<sync_generation>`; while that row waits, further changes fold into it (same
key). The handler advances `sync_generation` when it takes the row and reads the product afresh, so a
change committed after that gets a new row. A row whose version was already pushed is a no-op, so a
duplicate or replayed row changes nothing.

Before anything is pushed: the category must be mapped, a personal shop may not use restricted
categories nor price a SKU above its single-payment cap, the copy must pass compliance, and the product needs enough images; otherwise the product
is `blocked` with the reason and nothing reaches WeChat. Audits come back by push (`product_spu_audit`)
and, when pushes are lost, by polling products still auditing (`poll_audits`). A `product/add` whose
answer was lost is looked up before it is retried (`find_lost_add`), so a retry never adds a second copy."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wxmall.catalog.models import SKU, Product
from wxmall.core.errors import DomainError
from wxmall.core.outbox import enqueue
from wxmall.wechat import client
from wxmall.wechat.services.store import CategoryRules, ProductDetail

from .. import media
from ..errors import StoreError
from ..models import CategoryMapping, StoreProduct, StoreSku, SyncState
from ..shop import bound_shop, over_payment_limit, restricted_hit

NO_BRAND = "2100000000"
LISTED = 5  # online status 上架
DELISTED_STATUSES = frozenset({11, 13, 14, 15, 20})
EDIT_AUDITING, EDIT_REJECTED, EDIT_PASSED = 2, 3, 4
MIN_HEAD_IMAGES, MAX_HEAD_IMAGES = 3, 9


def _key(product_id: int, generation: int) -> str:
    return f"wechat_store:product:{product_id}:{generation}"


def start_sync(product_id: int) -> StoreProduct:
    """Put a product on the Store (or resync it): one click in the console."""
    bound_shop()
    with transaction.atomic():
        product = Product.objects.filter(pk=product_id).first()
        if product is None:
            raise DomainError(StoreError.NOT_SYNCED)
        sp, _ = StoreProduct.objects.get_or_create(product=product)
        _queue(sp.pk)
    return StoreProduct.objects.get(pk=sp.pk)


def queue_product(product_id: int) -> bool:
    """A local change to a synced product: queue (or fold into the pending) push. False if not synced."""
    with transaction.atomic():
        pk = StoreProduct.objects.filter(product_id=product_id).values_list("pk", flat=True).first()
        if pk is None:
            return False
        _queue(pk)
    return True


def queue_category(category_id: int) -> int:
    ids = list(StoreProduct.objects.filter(product__category_id=category_id).values_list("pk", flat=True))
    for pk in ids:
        _queue(pk)
    return len(ids)


def _queue(store_product_id: int) -> None:
    StoreProduct.objects.filter(pk=store_product_id).update(
        wanted_version=F("wanted_version") + 1, state=SyncState.PENDING
    )
    sp = StoreProduct.objects.select_for_update().get(pk=store_product_id)
    enqueue(
        "wechat_store",
        "store.product_sync",
        {"product_id": sp.product_id},
        key=_key(sp.product_id, sp.sync_generation),
    )


def on_catalog_saved(sender, instance, **kwargs) -> None:
    """post_save of Product and SKU: a synced product's change goes to the Store."""
    product_id = instance.pk if isinstance(instance, Product) else instance.product_id
    if StoreProduct.objects.filter(product_id=product_id).exists():
        queue_product(product_id)


# -- the push (outbox handler) --------------------------------------------------------------------------
def push(product_id: int) -> dict:
    with transaction.atomic():
        sp = StoreProduct.objects.select_for_update().filter(product_id=product_id).first()
        if sp is None:
            return {"skipped": "not synced"}
        StoreProduct.objects.filter(pk=sp.pk).update(sync_generation=F("sync_generation") + 1)
        wanted = sp.wanted_version
    if sp.pushed_version >= wanted:
        return {"skipped": "up to date", "version": wanted}
    product = Product.objects.select_related("category").get(pk=product_id)
    skus = list(SKU.objects.filter(product=product, is_active=True).order_by("id"))
    problem = preflight(product, skus)
    if problem:
        _settle(sp.pk, wanted, state=SyncState.BLOCKED, reason=problem)
        return {"blocked": problem}
    try:
        images = [media.store_url(product, src) for src in media.head_sources(product)[:MAX_HEAD_IMAGES]]
    except ValueError as exc:
        _settle(sp.pk, wanted, state=SyncState.BLOCKED, reason=str(exc))
        return {"blocked": str(exc)}
    mapping = CategoryMapping.objects.get(category_id=product.category_id)
    known = dict(StoreSku.objects.filter(store_product=sp).values_list("sku_id", "store_sku_id"))
    service = client("store").store
    rules = service.category_detail(mapping.leaf_id)
    spu = build_spu(product, skus, mapping, images, known, rules)
    store_id = sp.store_product_id or (find_lost_add(product.pk) if sp.add_started_at else None)
    if store_id:
        service.product_update(store_id, spu)
    else:
        StoreProduct.objects.filter(pk=sp.pk).update(add_started_at=timezone.now())
        store_id = service.product_add(spu).product_id
    # Kept at once: a retry after this point must update, not add a second product.
    StoreProduct.objects.filter(pk=sp.pk).update(store_product_id=store_id)
    detail = service.product_get(store_id)
    _remember_skus(sp.pk, skus, detail)
    _settle(sp.pk, wanted, state=SyncState.AUDITING, reason="", submitted=True)
    _apply_detail(sp.pk, detail, reason="")
    return {"product_id": store_id, "version": wanted}


def find_lost_add(product_id: int) -> str | None:
    """The Store product an earlier `product/add` created when its answer never reached us, or None.

    `product/list/get` returns ids only and WeChat does not enforce `out_product_id`, so we read the ids the
    hub does not know, never-listed products first (an add still in audit), then listed ones, at most
    STORE_ADD_LOOKUP_MAX of them. Past that bound nothing is added: a second product on the Store is worse
    than a failed row the merchant checks in the console."""
    service, wanted, seen = client("store").store, str(product_id), 0
    for status in (0, LISTED):
        key = ""
        while True:
            page = service.product_list(status=status, next_key=key)
            known = set(
                StoreProduct.objects.filter(store_product_id__in=page.ids).values_list(
                    "store_product_id", flat=True
                )
            )
            for store_id in page.ids:
                if store_id not in known and service.product_get(store_id).out_product_id == wanted:
                    return store_id
            seen += len(page.ids)
            if not page.has_more:
                break
            if seen >= settings.STORE_ADD_LOOKUP_MAX:
                raise DomainError(StoreError.LOST_ADD_UNRESOLVED)
            key = page.next_key
    return None


def _settle(pk: int, version: int, *, state: str, reason: str, submitted: bool = False) -> None:
    changes = {"state": state, "reason": reason[:2000], "pushed_version": version}
    if submitted:
        changes["submitted_at"] = timezone.now()
    # Only if nothing newer was pushed meanwhile (a slower worker must not overwrite a newer result).
    StoreProduct.objects.filter(pk=pk, pushed_version__lte=version).update(**changes)


def mark_failed(product_id: int, reason: str) -> None:
    StoreProduct.objects.filter(product_id=product_id).update(state=SyncState.FAILED, reason=reason[:2000])


def preflight(product: Product, skus: list[SKU]) -> str:
    """Why this product may not be pushed ("" when it may), in Chinese for the console."""
    shop = bound_shop()
    mapping = CategoryMapping.objects.filter(category_id=product.category_id).first()
    if mapping is None:
        return StoreError.CATEGORY_NOT_MAPPED.message
    if restricted_hit(shop, mapping):
        return StoreError.CATEGORY_RESTRICTED.message
    blocked = compliance_problem(product)
    if blocked:
        return blocked
    if not skus:
        return "商品没有可售 SKU"
    over = over_payment_limit(shop, [sku.price for sku in skus])
    if over:
        return over
    heads = len(set(media.head_sources(product)))
    if heads < MIN_HEAD_IMAGES:
        return f"微信小店要求至少 {MIN_HEAD_IMAGES} 张不同的主图（当前 {heads} 张）"
    if len(_effective(product.title)) < 5:
        return "商品名称至少需要 5 个有效字符"
    return ""


def compliance_problem(product: Product) -> str:
    """Why compliance holds this product back ("" when it may go): its copy must be cleared or approved
    in the review queue, and its category allowed for this shop (type, qualifications)."""
    from wxmall.compliance import queries

    if not queries.is_cleared(product):
        return f"{StoreError.COMPLIANCE_BLOCKED.message}（{queries.hold_reason(product)}）"
    return queries.category_problem(product)


def on_copy_cleared(sender, subject: str, object_id: str, **kwargs) -> None:
    """Compliance cleared or approved a product's copy: push it again (it was held while judged)."""
    if subject == "catalog.product" and object_id.isdigit():
        queue_product(int(object_id))


def _effective(title: str) -> str:
    return "".join(ch for ch in title if ch.isalnum())


def _attr(key: str, value: object) -> dict:
    return {"attr_key": str(key)[:40], "attr_value": str(value)[:40]}


# Local spec names → the Store's usual sale-attribute names (only keys the leaf category lists are sent).
SALE_ALIASES = {
    "cpu": ("版本", "处理器"),
    "memory": ("内存容量", "内存"),
    "storage": ("存储容量", "存储"),
    "colour": ("颜色",),
}


def build_spu(
    product: Product,
    skus: list[SKU],
    mapping: CategoryMapping,
    images: list[str],
    known: dict[int, str | None],
    rules: CategoryRules | None = None,
) -> dict:
    """The SPU object of §4.3 (money in fen, ids as strings). `rules` (the leaf's `category/detail`)
    decide which product parameters and SKU sale attributes are sent: the Store refuses others."""
    specs = {str(k): v for k, v in (product.specs or {}).items()}
    attrs = [_attr("品牌", product.brand or "其他")]
    allowed = set(rules.product_attrs) if rules else None
    attrs += [
        _attr(k, v) for k, v in list(specs.items())[:30] if k != "品牌" and (allowed is None or k in allowed)
    ]
    spu: dict = {
        "out_product_id": str(product.pk),
        "title": product.title[:60],
        "head_imgs": images,
        "desc_info": {"imgs": images[:1], "desc": (product.description or product.subtitle)[:2000]},
        "cats_v2": [{"cat_id": cat} for cat in mapping.store_path],
        "attrs": attrs,
        "brand_id": NO_BRAND,
        "deliver_method": 0,
        "extra_service": {"seven_day_return": 1, "freight_insurance": 0},
        "skus": [_sku(sku, images[0], known.get(sku.pk), rules) for sku in skus],
        "listing": 1 if settings.STORE_LIST_ON_PUSH else 0,
    }
    if settings.STORE_FREIGHT_TEMPLATE_ID:
        spu["express_info"] = {"template_id": settings.STORE_FREIGHT_TEMPLATE_ID}
    if settings.STORE_AFTER_SALE_ADDRESS_ID:
        spu["after_sale_info"] = {"after_sale_address_id": settings.STORE_AFTER_SALE_ADDRESS_ID}
    return spu


def _sku(sku: SKU, thumb: str, store_sku_id: str | None, rules: CategoryRules | None = None) -> dict:
    sale = rules.sale_attrs if rules else None
    attrs = []
    for field_name, names in SALE_ALIASES.items():
        value = getattr(sku, field_name)
        key = next((n for n in names if sale is None or n in sale), None)
        if value and key and key not in {a["attr_key"] for a in attrs}:
            attrs.append(_attr(key, value))
    attrs += [_attr(k, v) for k, v in (sku.extra_specs or {}).items() if sale is None or k in sale]
    if not attrs and sale:
        attrs = [_attr(sale[0], sku.spec_label or "标准")]
    entry = {
        "out_sku_id": str(sku.pk),
        "thumb_img": thumb,
        "sale_price": sku.price,
        "market_price": max(sku.list_price, sku.price),
        "stock_num": sku.stock,
        "sku_code": sku.code[:20],
        "sku_attrs": attrs or [_attr("规格", "标准")],
    }
    if store_sku_id:
        entry["sku_id"] = store_sku_id
    return entry


def _remember_skus(store_product_pk: int, skus: list[SKU], detail: ProductDetail) -> None:
    ids: dict[str, str] = {}
    for copy in (detail.online, detail.draft):
        if copy is not None:
            ids.update(copy.sku_ids)
    with transaction.atomic():
        for sku in skus:
            row, _ = StoreSku.objects.get_or_create(sku=sku, defaults={"store_product_id": store_product_pk})
            store_sku_id = ids.get(str(sku.pk))
            if store_sku_id and row.store_sku_id != store_sku_id:
                StoreSku.objects.filter(pk=row.pk).update(store_sku_id=store_sku_id)


# -- audits ---------------------------------------------------------------------------------------------
def _apply_detail(pk: int, detail: ProductDetail, *, reason: str) -> str:
    """Map the Store's view of a product onto its sync state; returns the new state."""
    online_status = detail.online.status if detail.online else 0
    edit_status = (
        detail.draft.edit_status if detail.draft else (detail.online.edit_status if detail.online else 0)
    )
    if edit_status == EDIT_AUDITING:
        state = SyncState.AUDITING
    elif edit_status == EDIT_REJECTED:
        state = SyncState.REJECTED
        reason = reason or _reject_reason(detail) or "微信审核未通过"
    elif online_status == LISTED:
        state, reason = SyncState.LIVE, ""
    elif online_status in DELISTED_STATUSES:
        state = SyncState.DELISTED
    else:
        return ""
    StoreProduct.objects.filter(pk=pk).exclude(state__in=[SyncState.PENDING, SyncState.BLOCKED]).update(
        state=state, reason=reason[:2000], audit_checked_at=timezone.now()
    )
    return state


def _reject_reason(detail: ProductDetail) -> str:
    raw = detail.draft.raw if detail.draft else {}
    info = raw.get("audit_info") if isinstance(raw.get("audit_info"), dict) else {}
    return str(info.get("reject_reason") or info.get("audit_reason") or raw.get("reject_reason") or "")


def refresh(store_product_id: str, *, reason: str = "") -> str:
    """Re-read a product from the Store (after a push, or when polling) and record its audit state."""
    sp = StoreProduct.objects.filter(store_product_id=store_product_id).first()
    if sp is None:
        return ""
    detail = client("store").store.product_get(store_product_id)
    return _apply_detail(sp.pk, detail, reason=reason)


def poll_audits(now=None, limit: int = 200) -> int:
    """Products whose audit result has not arrived by push within STORE_AUDIT_POLL_AFTER_SECONDS."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.STORE_AUDIT_POLL_AFTER_SECONDS)
    ids = list(
        StoreProduct.objects.filter(
            state=SyncState.AUDITING, submitted_at__lte=cutoff, store_product_id__isnull=False
        )
        .order_by("audit_checked_at", "pk")
        .values_list("store_product_id", flat=True)[:limit]
    )
    for store_id in ids:
        refresh(store_id)
    return len(ids)
