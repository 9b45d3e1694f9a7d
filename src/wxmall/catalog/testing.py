"""Small factories for tests of any app that needs products on the shelf. Not imported by the app."""

from __future__ import annotations

import uuid

from .actions import refresh_product
from .models import SKU, Category, Product


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def make_category(
    name: str = "笔记本电脑", slug: str | None = None, parent: Category | None = None, **fields
) -> Category:
    return Category.objects.create(name=name, slug=slug or _unique("cat"), parent=parent, **fields)


def make_product(
    title: str = "测试笔记本", *, category: Category | None = None, skus: list[dict] | None = None, **fields
) -> Product:
    """A product with SKUs (default: one at ¥1,000.00 with 10 in stock) and correct min_price and search_text.
    Each SKU dict takes SKU field names; `code` is generated when absent."""
    product = Product.objects.create(title=title, category=category or make_category(), **fields)
    for spec in skus if skus is not None else [{}]:
        make_sku(product, **spec)
    refresh_product(product.pk)
    product.refresh_from_db()
    return product


def make_sku(product: Product, **fields) -> SKU:
    values = {"code": _unique("T"), "price": 100_000, "stock": 10, **fields}
    return SKU.objects.create(product=product, **values)
