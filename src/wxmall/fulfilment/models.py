"""Shipments (parcels with a courier and tracking number, each carrying some units of an order's lines),
the WeChat Store's courier list as last synced, and freight templates (运费模板) with the products that
use them. Amounts are integer fen; weights integer grams.

An order stays 待发货 while only part of it has shipped (the console shows 部分发货) and moves to 已发货
with the shipment that sends its last unit (`actions.ship`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Shipment(models.Model):
    order = models.ForeignKey(
        "orders.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="shipments"
    )
    courier_code = models.CharField("快递公司编码", max_length=32)
    courier_name = models.CharField("快递公司", max_length=64)
    tracking_no = models.CharField("运单号", max_length=32)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发货人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("发货时间", auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = verbose_name_plural = "发货单"
        permissions = [("ship_order", "可发货、打印拣货单")]

    def __str__(self) -> str:
        return f"{self.courier_name} {self.tracking_no}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment, verbose_name="发货单", on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name="订单商品", on_delete=models.PROTECT, related_name="shipment_lines"
    )
    quantity = models.PositiveIntegerField("数量")

    class Meta:
        ordering = ("id",)
        verbose_name = verbose_name_plural = "发货商品"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shipmentline_quantity_positive"),
            models.UniqueConstraint(fields=["shipment", "order_line"], name="shipmentline_once_per_shipment"),
        ]

    def __str__(self) -> str:
        return f"{self.order_line_id} × {self.quantity}"


class StoreCourier(models.Model):
    """A courier from the WeChat Store's `deliverycompanylist/get`, as last synced (`actions.sync_couriers`).
    When any exist they are the list staff pick from, since a Store order's `delivery_id` must be one."""

    code = models.CharField("快递公司编码", max_length=32, unique=True)
    name = models.CharField("快递公司", max_length=64)
    synced_at = models.DateTimeField("同步时间")

    class Meta:
        ordering = ("id",)
        verbose_name = verbose_name_plural = "微信小店快递公司"

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class FreightMethod(models.TextChoices):
    COUNT = "count", "按件数"
    WEIGHT = "weight", "按重量"


class FreightTemplate(models.Model):
    name = models.CharField("模板名称", max_length=40, unique=True)
    method = models.CharField(
        "计费方式", max_length=8, choices=FreightMethod.choices, default=FreightMethod.COUNT
    )
    # Free when the order's goods amount after discounts reaches this (NULL: never free).
    free_over = models.PositiveIntegerField("满额包邮", null=True, blank=True)
    undeliverable = models.JSONField("不配送省份", default=list, blank=True)
    is_default = models.BooleanField("默认模板", default=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ("-is_default", "id")
        verbose_name = verbose_name_plural = "运费模板"
        permissions = [("manage_freight", "可管理运费模板")]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="freight_one_default_template"
            )
        ]

    def __str__(self) -> str:
        return self.name


class FreightRule(models.Model):
    """First unit + additional unit pricing for some provinces; the rule with no provinces covers every
    other deliverable province (each template has exactly one, see `actions.save_template`). Units are
    pieces for a count template and grams for a weight template."""

    template = models.ForeignKey(
        FreightTemplate, verbose_name="运费模板", on_delete=models.CASCADE, related_name="rules"
    )
    provinces = models.JSONField("适用省份", default=list, blank=True)
    first_units = models.PositiveIntegerField("首件/首重")
    first_fee = models.PositiveIntegerField("首费")
    additional_units = models.PositiveIntegerField("续件/续重")
    additional_fee = models.PositiveIntegerField("续费")

    class Meta:
        ordering = ("id",)
        verbose_name = verbose_name_plural = "运费规则"
        constraints = [
            models.CheckConstraint(condition=Q(first_units__gte=1), name="freightrule_first_units_positive"),
            models.CheckConstraint(
                condition=Q(additional_units__gte=1), name="freightrule_additional_units_positive"
            ),
        ]

    def __str__(self) -> str:
        return "、".join(self.provinces) or "其他地区"


class ProductFreight(models.Model):
    """Which template a product ships under (none: the default template) and its shipping weight. Kept
    here, not on catalog.Product, so the catalog's migrations stay the catalog's."""

    product = models.OneToOneField(
        "catalog.Product", verbose_name="商品", on_delete=models.CASCADE, related_name="freight"
    )
    template = models.ForeignKey(
        FreightTemplate,
        verbose_name="运费模板",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    weight_grams = models.PositiveIntegerField("单件重量(克)", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "商品运费设置"

    def __str__(self) -> str:
        return f"{self.product_id}: {self.template_id or '默认模板'}"
