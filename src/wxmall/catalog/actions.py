"""State changes of the catalogue. Each is one statement or one transaction, safe under concurrency."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce

from wxmall.audit.actions import record
from wxmall.core.errors import DomainError
from wxmall.core.money import MAX_FEN, format_yuan

from . import stock
from .editor import SkuRow
from .errors import CatalogError
from .events import products_changed
from .images import image_urls
from .models import SKU, Product


def _cheapest_active_price():
    """Correlated subquery: the lowest price among the outer product's active SKUs (NULL if none)."""
    return Subquery(
        SKU.objects.filter(product=OuterRef("pk"), is_active=True)
        .order_by()
        .values("product")
        .annotate(lowest=Min("price"))
        .values("lowest")[:1]
    )


def refresh_min_price(product_id: int) -> None:
    """Recompute `Product.min_price` from its active SKUs (0 when it has none).

    One UPDATE with a subquery, so it reads the SKUs as they are at that moment: two admins saving
    SKUs of the same product at once cannot leave a stale minimum behind, whichever runs last."""
    Product.objects.filter(pk=product_id).update(min_price=Coalesce(_cheapest_active_price(), 0))


def refresh_search_text(product_id: int) -> None:
    """Recompute `Product.search_text` from the spec sheet and the active SKUs' extra specs."""
    product = Product.objects.filter(pk=product_id).values("specs").first()
    if product is None:
        return
    values = [str(v) for v in (product["specs"] or {}).values()]
    for extra in SKU.objects.filter(product_id=product_id, is_active=True).values_list(
        "extra_specs", flat=True
    ):
        values += [str(v) for v in (extra or {}).values()]
    Product.objects.filter(pk=product_id).update(
        search_text=" / ".join(dict.fromkeys(v for v in values if v))
    )


def refresh_product(product_id: int) -> None:
    """Everything denormalised from a product's SKUs: call after any SKU or spec change."""
    refresh_min_price(product_id)
    refresh_search_text(product_id)


def refresh_all_min_prices() -> int:
    """The same for every product in one statement (data loads, repairs). Returns the rows updated."""
    return Product.objects.update(min_price=Coalesce(_cheapest_active_price(), 0))


def audit_listing(actor, product: tuple[int, str], listed: bool) -> None:
    verb = "上架" if listed else "下架"
    record(
        actor,
        f"product.{'list' if listed else 'delist'}",
        ("catalog.product", product[0], product[1]),
        f"{verb}商品“{product[1]}”",
    )


def audit_prices(actor, product: tuple[int, str], changes: list[tuple[str, int, int]]) -> None:
    """One audit entry per product whose SKU prices changed: (code, old fen, new fen) each."""
    if not changes:
        return
    shown = "；".join(f"{code} {format_yuan(old)} → {format_yuan(new)}" for code, old, new in changes[:10])
    record(
        actor,
        "product.price_change",
        ("catalog.product", product[0], product[1]),
        f"修改商品“{product[1]}”的售价：{shown}{' 等' if len(changes) > 10 else ''}",
        {"prices": [{"code": code, "old": old, "new": new} for code, old, new in changes[:100]]},
    )


def set_listed(product_ids: Iterable[int], listed: bool, actor=None) -> list[int]:
    """List (上架) or delist (下架) products, audited. Returns the ids that actually changed state."""
    with transaction.atomic():
        changing = list(
            Product.objects.select_for_update()
            .filter(pk__in=list(product_ids))
            .exclude(is_listed=listed)
            .values_list("pk", "title")
        )
        ids = [pk for pk, _ in changing]
        Product.objects.filter(pk__in=ids).update(is_listed=listed)
        for product in changing:
            audit_listing(actor, product, listed)
        if ids:
            products_changed.send(sender=Product, product_ids=ids)
        return ids


@dataclass
class SaveResult:
    product: Product
    price_changes: list[tuple[str, int, int]] = field(default_factory=list)  # (code, old fen, new fen)
    stock_refused: list[str] = field(default_factory=list)  # codes whose decrease would go below zero


_SKU_FIELDS = (
    "code",
    "cpu",
    "memory",
    "storage",
    "colour",
    "extra_specs",
    "price",
    "list_price",
    "is_active",
)


def _apply_row(sku: SKU, row: SkuRow) -> None:
    for column in ("cpu", "memory", "storage", "colour"):
        setattr(sku, column, row.columns.get(column, ""))
    sku.extra_specs = row.extra_specs
    sku.code, sku.price, sku.list_price, sku.is_active = row.code, row.price, row.list_price, row.is_active


def save_product(product: Product, rows: list[SkuRow], actor=None) -> SaveResult:
    """Save a product (new or edited, its fields already set) with its SKUs as the spec matrix gave them,
    in one transaction. A SKU left out of the matrix is stopped (可售 off), not deleted: orders point at
    it. Stock moves by the difference from what the editor showed (`stock.adjust`, so the Store's stock
    sync sees it); a decrease that would go below zero is skipped and reported. A product saved with no
    pictures gets the drawn ones, so lists never show a hole."""
    is_new = product.pk is None
    try:
        result = _save_product(product, rows, actor)
    except DomainError:
        if is_new:  # rolled back: the instance must not look saved to the page that shows it again
            product.pk, product._state.adding = None, True
        raise
    product.refresh_from_db()
    return result


def _save_product(product: Product, rows: list[SkuRow], actor) -> SaveResult:
    with transaction.atomic():
        was_listed = None
        if product.pk:
            was_listed = (
                Product.objects.select_for_update()
                .filter(pk=product.pk)
                .values_list("is_listed", flat=True)
                .first()
            )
        product.save()
        if not product.images:
            product.images = image_urls(product.pk)
            Product.objects.filter(pk=product.pk).update(images=product.images)
        if was_listed is not None and was_listed != product.is_listed:
            audit_listing(actor, (product.pk, product.title), product.is_listed)
        existing = {s.pk: s for s in SKU.objects.select_for_update().filter(product=product)}
        unknown = [row.id for row in rows if row.id is not None and row.id not in existing]
        if unknown:
            raise DomainError(CatalogError.PRODUCT_INVALID, "规格表已过期（SKU 已被删除），请刷新页面后重试")
        taken = list(
            SKU.objects.filter(code__in=[row.code for row in rows])
            .exclude(product=product)
            .values_list("code", flat=True)
        )
        if taken:
            raise DomainError(CatalogError.PRODUCT_INVALID, f"SKU 编码已被其他商品使用：{'、'.join(taken)}")
        result = SaveResult(product)
        kept = set()
        for row in rows:
            if row.id is None:
                sku = SKU(product=product, stock=0)
                _apply_row(sku, row)
                sku.save()
                delta = row.stock
            else:
                sku = existing[row.id]
                old_price = sku.price
                _apply_row(sku, row)
                sku.save(update_fields=_SKU_FIELDS)
                if old_price != sku.price:
                    result.price_changes.append((sku.code, old_price, sku.price))
                shown = sku.stock if row.stock_shown is None else row.stock_shown
                delta = row.stock - shown
            kept.add(sku.pk)
            if delta and not stock.adjust(sku.pk, delta):
                result.stock_refused.append(sku.code)
        SKU.objects.filter(product=product, is_active=True).exclude(pk__in=kept).update(is_active=False)
        audit_prices(actor, (product.pk, product.title), result.price_changes)
        refresh_product(product.pk)
        products_changed.send(sender=Product, product_ids=[product.pk])
    return result


def bulk_price(
    product_ids: Iterable[int], *, set_to: int | None = None, change_by: int = 0, actor=None
) -> int:
    """Set every active SKU of the products to one price, or move each by `change_by` fen (±). One guarded
    UPDATE: a decrease that would take a SKU to ¥0.00 or below changes nothing and raises. Returns the
    number of SKUs changed."""
    ids = list(product_ids)
    with transaction.atomic():
        skus = SKU.objects.filter(product_id__in=ids, is_active=True)
        before = list(
            skus.select_for_update().values_list("pk", "product_id", "product__title", "code", "price")
        )
        if set_to is not None:
            changed = skus.update(price=set_to)
        else:
            wanted = skus.count()
            within = skus.filter(price__gt=-change_by, price__lte=MAX_FEN - change_by)
            changed = within.update(price=F("price") + change_by)
            if changed != wanted:  # raising rolls the partial UPDATE back
                raise DomainError(
                    CatalogError.PRODUCT_INVALID,
                    f"有 SKU 调价后将不在 ¥0.01–{format_yuan(MAX_FEN)} 之间，未做修改",
                )
        after = dict(SKU.objects.filter(pk__in=[row[0] for row in before]).values_list("pk", "price"))
        changes: dict[tuple[int, str], list] = {}
        for pk, product_id, title, code, old in before:
            if after.get(pk) != old:
                changes.setdefault((product_id, title), []).append((code, old, after[pk]))
        for product, product_changes in changes.items():
            audit_prices(actor, product, product_changes)
        for product_id in ids:
            refresh_min_price(product_id)
        products_changed.send(sender=Product, product_ids=ids)
    return changed


def bulk_stock(product_ids: Iterable[int], delta: int) -> tuple[int, list[str]]:
    """Move the stock of every active SKU of the products by `delta` (each a guarded `stock.adjust`).
    Returns (SKUs changed, codes refused because they would go below zero)."""
    with transaction.atomic():
        refused, changed = [], 0
        for sku_id, code in SKU.objects.filter(product_id__in=list(product_ids), is_active=True).values_list(
            "pk", "code"
        ):
            if stock.adjust(sku_id, delta):
                changed += 1
            else:
                refused.append(code)
    return changed, refused
