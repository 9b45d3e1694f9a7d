"""After-sales requests (售后): a customer asks for a refund (仅退款) or a return (退货退款) of a paid order
with a reason and photos; staff approve or reject. Amounts are integer fen.

The request rides on the order's own refund flow: filing one moves the order to 退款中
(`orders.actions.request_refund`), a rejection moves it back where it was, and the money goes out through
`payments.actions.refund_order`. At most one open request per order (a partial unique constraint)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    REFUND = "refund", "仅退款"
    RETURN = "return", "退货退款"


class Reason(models.TextChoices):
    NOT_WANTED = "not_wanted", "不想要了"
    QUALITY = "quality", "商品质量问题"
    DAMAGED = "damaged", "收到商品破损"
    WRONG_ITEM = "wrong_item", "商家发错货"
    NOT_AS_DESCRIBED = "not_as_described", "商品与描述不符"
    NOT_RECEIVED = "not_received", "未收到货"
    OTHER = "other", "其他"


class Status(models.TextChoices):
    REQUESTED = "requested", "待商家处理"
    AWAITING_RETURN = "awaiting_return", "商家已同意，请寄回商品"
    RETURN_SHIPPED = "return_shipped", "商品寄回中，待商家收货"
    REFUNDING = "refunding", "退款处理中"
    REJECTED = "rejected", "商家已拒绝"


OPEN = (Status.REQUESTED, Status.AWAITING_RETURN, Status.RETURN_SHIPPED)


class AfterSale(models.Model):
    order = models.ForeignKey(
        "orders.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="aftersales"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="顾客", on_delete=models.PROTECT, related_name="aftersales"
    )
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    reason = models.CharField("原因", max_length=24, choices=Reason.choices)
    description = models.CharField("问题描述", max_length=200, blank=True)
    amount = models.PositiveIntegerField("申请退款金额(分)")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decision_note = models.CharField("处理说明", max_length=200, blank=True)
    return_courier = models.CharField("退货快递公司", max_length=64, blank=True)
    return_tracking_no = models.CharField("退货运单号", max_length=32, blank=True)
    received_at = models.DateTimeField("退货签收时间", null=True, blank=True)
    refund = models.OneToOneField(
        "payments.Refund",
        verbose_name="退款单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aftersale",
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "售后申请"
        permissions = [("decide_aftersale", "可处理售后申请")]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status__in=OPEN), name="aftersale_one_open_per_order"
            ),
            models.CheckConstraint(condition=Q(amount__gte=1), name="aftersale_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_kind_display()} {self.get_status_display()}"


class Photo(models.Model):
    """A photo the customer attached, re-encoded as JPEG (which also drops EXIF, e.g. GPS). Served only
    to its customer and to staff, never from a public URL."""

    aftersale = models.ForeignKey(
        AfterSale, verbose_name="售后申请", on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField("图片", upload_to="aftersales/%Y%m/")
    width = models.PositiveIntegerField("宽")
    height = models.PositiveIntegerField("高")

    class Meta:
        ordering = ("id",)
        verbose_name = verbose_name_plural = "售后图片"

    def __str__(self) -> str:
        return self.file.name
