"""Orders, their lines and their audit trail. Amounts are integer fen.

`Order.status` only changes through `orders.actions.transition` (see `orders.state` for the table of
allowed moves); every change writes one `OrderEvent` in the same transaction. The shipping address is a
snapshot copied at placement (personal fields encrypted), so later edits to the customer's address book
never rewrite history."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from wxmall.core.fields import EncryptedTextField

from .state import ActorKind, OrderStatus


class Order(models.Model):
    # Doubles as WeChat Pay's out_trade_no: 6–32 chars of [0-9A-Za-z_-|*]; see `orders.numbers`.
    order_no = models.CharField("订单号", max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        "状态", max_length=24, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT, db_index=True
    )
    # Where a refund request came from, so a rejected request returns the order there.
    refund_from_status = models.CharField(
        "申请退款前状态", max_length=24, choices=OrderStatus.choices, blank=True
    )

    subtotal = models.PositiveIntegerField("商品金额")
    discount = models.PositiveIntegerField("优惠金额", default=0)
    # Points the customer spent on this order and what they took off, in fen (priced at placement).
    points_used = models.PositiveIntegerField("使用积分", default=0)
    points_discount = models.PositiveIntegerField("积分抵扣金额", default=0)
    shipping_fee = models.PositiveIntegerField("运费", default=0)
    total = models.PositiveIntegerField("应付金额")
    coupon = models.ForeignKey(
        "checkout.Coupon",
        verbose_name="优惠券",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )

    ship_recipient = EncryptedTextField("收货人")
    ship_phone = EncryptedTextField("手机号")
    ship_province = models.CharField("省份", max_length=32)
    ship_city = models.CharField("城市", max_length=32)
    ship_district = models.CharField("区县", max_length=32, blank=True)
    ship_detail = EncryptedTextField("详细地址")
    note = models.CharField("买家留言", max_length=200, blank=True)

    # A client-chosen token (one per checkout page view): a double-submitted form returns the same order.
    # NULL, not "", when absent: the unique constraint below must ignore orders placed without one.
    idempotency_key = models.CharField("幂等键", max_length=64, null=True, blank=True)  # noqa: DJ001
    channel = models.CharField("来源渠道", max_length=64, null=True, blank=True)  # noqa: DJ001 attribution, later
    payment_transaction_id = models.CharField("微信支付单号", max_length=64, blank=True)

    created_at = models.DateTimeField("下单时间", auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField("支付截止时间", db_index=True)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True, db_index=True)
    shipped_at = models.DateTimeField("发货时间", null=True, blank=True)
    delivered_at = models.DateTimeField("签收时间", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    refund_requested_at = models.DateTimeField("申请退款时间", null=True, blank=True)
    refunded_at = models.DateTimeField("退款时间", null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "订单"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="order_idempotency_key_per_user",
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") - F("discount") - F("points_discount") + F("shipping_fee")),
                name="order_total_adds_up",
            ),
            models.CheckConstraint(condition=Q(total__gte=1), name="order_total_at_least_one_fen"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return self.order_no

    @property
    def ship_region(self) -> str:
        return " ".join(p for p in (self.ship_province, self.ship_city, self.ship_district) if p)

    @property
    def ship_full_address(self) -> str:
        return f"{self.ship_province}{self.ship_city}{self.ship_district}{self.ship_detail}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name="订单", on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.SKU", verbose_name="SKU", on_delete=models.PROTECT, related_name="+")
    product_title = models.CharField("商品名称", max_length=120)
    spec_label = models.CharField("规格", max_length=200, blank=True)
    image = models.CharField("图片", max_length=300, blank=True)
    unit_price = models.PositiveIntegerField("单价")
    quantity = models.PositiveIntegerField("数量")
    line_total = models.PositiveIntegerField("小计")
    flash_sale = models.ForeignKey(
        "checkout.FlashSale",
        verbose_name="秒杀活动",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ("id",)
        verbose_name = verbose_name_plural = "订单商品"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(line_total=F("unit_price") * F("quantity")), name="orderline_total_adds_up"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_title} {self.spec_label} × {self.quantity}"


class OrderEvent(models.Model):
    """Audit trail: one row per status change (from_status empty for placement). Written only by
    `orders.events.record`."""

    order = models.ForeignKey(Order, verbose_name="订单", on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField("原状态", max_length=24, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=24, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_kind = models.CharField("操作方", max_length=16, choices=ActorKind.choices)
    reason = models.CharField("原因", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = verbose_name_plural = "订单记录"

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '-'} → {self.to_status}"
