"""Pickup stores and the pickup side of an order.

An order is for pickup exactly when it has a `PickupOrder` row (written by checkout in the order's own
transaction); every other order is delivered to its shipping address. The store's name, address, hours
and phone are copied onto the row at placement, as the shipping address is, so editing or closing a
store later never rewrites what the customer was told.

The pickup code is NULL until the order is paid (`order_hooks.issue_code`); it is unique, and the
verification is the guarded UPDATE in `actions.verify` (`verified_at IS NULL AND voided_at IS NULL`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class PickupStore(models.Model):
    name = models.CharField("门店名称", max_length=64, unique=True)
    address = models.CharField("门店地址", max_length=200)
    hours = models.CharField("营业时间", max_length=64)
    phone = models.CharField("联系电话", max_length=20)
    active = models.BooleanField("营业中（可选为自提点）", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ("id",)
        verbose_name = verbose_name_plural = "自提门店"

    def __str__(self) -> str:
        return self.name


class PickupOrder(models.Model):
    order = models.OneToOneField(
        "orders.Order", verbose_name="订单", on_delete=models.CASCADE, related_name="pickup"
    )
    store = models.ForeignKey(
        PickupStore, verbose_name="自提门店", on_delete=models.PROTECT, related_name="+"
    )
    store_name = models.CharField("门店名称", max_length=64)
    store_address = models.CharField("门店地址", max_length=200)
    store_hours = models.CharField("营业时间", max_length=64)
    store_phone = models.CharField("联系电话", max_length=20)

    code = models.CharField("核销码", max_length=12, null=True, blank=True, unique=True)  # noqa: DJ001
    code_issued_at = models.DateTimeField("核销码生成时间", null=True, blank=True)
    verified_at = models.DateTimeField("核销时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    created_at = models.DateTimeField("下单时间", auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "自提订单"
        permissions = [("verify_pickup", "可核销自提订单")]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | Q(voided_at__isnull=True),
                name="pickup_not_both_verified_and_voided",
            ),
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | Q(verified_by__isnull=False),
                name="pickup_verified_has_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} @ {self.store_name}"

    @property
    def code_display(self) -> str:
        """The code in groups of four, easier to read out at the counter."""
        return " ".join(self.code[i : i + 4] for i in range(0, len(self.code), 4)) if self.code else ""


class PickupEventKind(models.TextChoices):
    ISSUED = "issued", "生成核销码"
    VERIFIED = "verified", "门店核销"
    VOIDED = "voided", "核销码作废"


class PickupEvent(models.Model):
    """Audit trail of a pickup's code: one row per issue, verification and voiding (`events.record`)."""

    pickup = models.ForeignKey(
        PickupOrder, verbose_name="自提订单", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("事件", max_length=16, choices=PickupEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = verbose_name_plural = "核销记录"

    def __str__(self) -> str:
        return f"{self.pickup_id}: {self.kind}"
