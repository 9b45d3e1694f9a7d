"""Loads the demo computer store from `demo_data` into the database. Idempotent: categories, products
and SKUs are upserted by slug and code, so a second run changes nothing and duplicates nothing.

Stock, sales counts and the listed flag are only set when a row is first created: re-running the
loader on a store that has been selling must not hand back stock that orders already took, nor
relist what staff delisted."""

from __future__ import annotations

from django.db import transaction

from . import demo_data
from .actions import refresh_all_min_prices, refresh_search_text
from .images import image_urls
from .models import SKU, Category, Product


@transaction.atomic
def load() -> str:
    categories: dict[str, Category] = {}
    for position, (slug, name, parent_slug) in enumerate(demo_data.CATEGORIES):
        categories[slug], _ = Category.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "parent": categories.get(parent_slug) if parent_slug else None,
                "sort_order": position * 10,
                "is_active": True,
            },
        )

    created_products = created_skus = 0
    for position, row in enumerate(demo_data.PRODUCTS):
        product, created = Product.objects.update_or_create(
            slug=row.slug,
            defaults={
                "category": categories[row.category],
                "title": row.title,
                "subtitle": row.subtitle,
                "brand": row.brand,
                "description": row.description,
                "specs": row.specs,
                "sort_order": position * 10,
            },
            create_defaults={
                "category": categories[row.category],
                "title": row.title,
                "subtitle": row.subtitle,
                "brand": row.brand,
                "description": row.description,
                "specs": row.specs,
                "sort_order": position * 10,
                "sales_count": row.sales_count,
            },
        )
        created_products += created
        urls = image_urls(product.pk)
        if product.images != urls:
            Product.objects.filter(pk=product.pk).update(images=urls)
        for sku in row.skus():
            fields = {
                "product": product,
                "cpu": sku.cpu,
                "memory": sku.memory,
                "storage": sku.storage,
                "colour": sku.colour,
                "extra_specs": sku.extra_specs,
                "price": sku.price,
                "list_price": sku.list_price,
                "is_active": True,
            }
            _, created = SKU.objects.update_or_create(
                code=sku.code, defaults=fields, create_defaults={**fields, "stock": sku.stock}
            )
            created_skus += created
        refresh_search_text(product.pk)
    refresh_all_min_prices()
    return (
        f"商品目录：{len(demo_data.CATEGORIES)} 个分类，{len(demo_data.PRODUCTS)} 个商品"
        f"（新建 {created_products} 个），新建 SKU {created_skus} 个"
    )
