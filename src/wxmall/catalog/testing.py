"""Factories for tests of any app that needs products on the shelf (shipped, like django-oscar's). Each
creates real rows through the ORM and keeps the denormalised fields (min_price, search_text) right; nothing
here is used by the running shop."""

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
    """A product with SKUs (default: one at ¥100.00 with 10 in stock). Each SKU dict takes SKU field names
    (`code` is generated when absent); other keyword arguments are Product fields."""
    product = Product.objects.create(title=title, category=category or make_category(), **fields)
    for spec in skus if skus is not None else [{}]:
        make_sku(product, **spec)
    refresh_product(product.pk)
    product.refresh_from_db()
    return product


def make_sku(
    product: Product | None = None, *, title: str | None = None, is_listed: bool = True, **fields
) -> SKU:
    """One SKU (SKU field names; default ¥100.00, 10 in stock). Without `product`, it comes on a product of
    its own (`title`, `is_listed`) in a shared test category, for tests that only need something to buy."""
    if product is None:
        category = Category.objects.filter(slug="test-laptops").first() or make_category(
            "测试笔记本", "test-laptops"
        )
        title = title or f"测试笔记本 {uuid.uuid4().hex[:6]}"
        return make_product(title, category=category, is_listed=is_listed, skus=[fields]).skus.get()
    if title is not None or not is_listed:
        raise TypeError("title and is_listed describe the product; pass them only without `product`")
    values = {"code": _unique("T"), "price": 10_000, "stock": 10, **fields}
    return SKU.objects.create(product=product, **values)


def make_staff(*codenames: str):
    """A staff member holding exactly these catalog permissions (e.g. "view_product", "change_product")."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user(f"staff-{'-'.join(codenames) or 'none'}", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="catalog", codename__in=codenames)
    )
    return user
