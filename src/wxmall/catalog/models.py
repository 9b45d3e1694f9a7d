"""Catalogue of a computer store: categories, products (SPU) and their SKUs, which differ by spec.
Prices are integer fen. Stock lives on the SKU row and only changes through `catalog.stock`."""

from django.db import models
from django.db.models import Q


class Category(models.Model):
    name = models.CharField("名称", max_length=64)
    slug = models.SlugField("标识", max_length=64, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ("sort_order", "id")
        verbose_name = verbose_name_plural = "分类"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """An SPU: what the customer sees as one product page."""

    category = models.ForeignKey(
        Category, verbose_name="分类", on_delete=models.PROTECT, related_name="products"
    )
    # Stable handle for data loaders and links (the demo loader upserts by it); optional for products
    # entered by hand, hence NULL rather than "" so several unnamed products do not collide.
    slug = models.SlugField("标识", max_length=80, unique=True, null=True, blank=True)
    title = models.CharField("商品名称", max_length=120)
    subtitle = models.CharField("卖点", max_length=200, blank=True)
    brand = models.CharField("品牌", max_length=64, blank=True, db_index=True)
    description = models.TextField("商品详情", blank=True)
    # Spec sheet shown on the product page, e.g. {"屏幕": "14 英寸 2.8K", "重量": "1.3kg"}.
    specs = models.JSONField("规格参数", default=dict, blank=True)
    images = models.JSONField("图片", default=list, blank=True)  # list of URLs; the first is the cover
    is_listed = models.BooleanField("上架", default=True, db_index=True)
    sort_order = models.IntegerField("排序", default=0)
    # Lowest active SKU price, denormalised so lists can sort and filter by price without a join.
    min_price = models.PositiveIntegerField("最低价", default=0, db_index=True)
    sales_count = models.PositiveIntegerField("销量", default=0)
    # Spec-sheet values and the active SKUs' extra_specs values ("RTX 4070 8GB"), flattened so keyword
    # search can match them with one LIKE on every backend (JSON text differs between SQLite and
    # PostgreSQL). Kept current by `actions.refresh_search_text`.
    search_text = models.TextField("搜索词", blank=True, default="", editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ("sort_order", "-id")
        verbose_name = verbose_name_plural = "商品"

    def __str__(self) -> str:
        return self.title

    @property
    def cover(self) -> str:
        return self.images[0] if self.images else ""


class SKU(models.Model):
    """One purchasable variant. The spec columns are the ones customers filter by; anything else a
    variant differs in goes into `extra_specs`."""

    product = models.ForeignKey(Product, verbose_name="商品", on_delete=models.CASCADE, related_name="skus")
    code = models.CharField("SKU 编码", max_length=64, unique=True)
    cpu = models.CharField("处理器", max_length=64, blank=True, db_index=True)
    memory = models.CharField("内存", max_length=32, blank=True, db_index=True)
    storage = models.CharField("存储", max_length=32, blank=True, db_index=True)
    colour = models.CharField("颜色", max_length=32, blank=True)
    extra_specs = models.JSONField("其他规格", default=dict, blank=True)
    price = models.PositiveIntegerField("售价")
    list_price = models.PositiveIntegerField("划线价", default=0)
    stock = models.PositiveIntegerField("库存", default=0)
    is_active = models.BooleanField("可售", default=True)

    class Meta:
        ordering = ("product_id", "price", "id")
        verbose_name = verbose_name_plural = "SKU"
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="sku_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} {self.spec_label}".strip()

    @property
    def spec_label(self) -> str:
        parts = [self.cpu, self.memory, self.storage, self.colour, *map(str, self.extra_specs.values())]
        return " / ".join(p for p in parts if p)

    @property
    def is_purchasable(self) -> bool:
        return self.is_active and self.product.is_listed
