"""WeChat Pay v3 records. Amounts are integer fen.

- `Payment`: one prepay attempt for an order (a method, its prepay_id / code_url / h5_url). An order may
  have several (a lapsed QR code, a switch from H5 to Native); at most one is ever `paid`, enforced by a
  partial unique constraint, and `Order.payment_transaction_id` names it.
- `Refund`: one WeChat refund (`out_refund_no`), several per order for partial refunds; the sum of
  refunds that are not closed never exceeds what was paid (checked under the payment's row lock).
- `Notification`: the raw inbox. Every notification that passes the signature check is stored verbatim
  (headers and bytes) before anything is decided; its WeChat `id` is unique, so a redelivery is recognised.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class PayMethod(models.TextChoices):
    JSAPI = "jsapi", "微信内支付"
    MINIPROGRAM = "miniprogram", "小程序支付"
    H5 = "h5", "H5 支付"
    NATIVE = "native", "扫码支付"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "待支付"
    PAID = "paid", "已支付"
    CLOSED = "closed", "已关闭"
    # Paid on WeChat's side but not accepted for the order (amount differs, order cancelled meanwhile):
    # staff look at it; a late payment on a cancelled order is refunded automatically.
    FLAGGED = "flagged", "待人工处理"


class StaffResolution(models.Model):
    """Staff's acknowledgement of a flagged item (who, when, why); the money state still follows WeChat."""

    resolved_by = models.ForeignKey(
        "accounts.User",
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolution_note = models.CharField("处理说明", max_length=500, blank=True)

    class Meta:
        abstract = True


class LatePayment(models.TextChoices):
    """What became of a payment that landed after its order was cancelled (WECHAT_PAY_LATE_PAYMENT)."""

    REFUNDED = "refunded", "已自动退款"
    REVIVED = "revived", "已恢复订单"


class Payment(StaffResolution):
    order = models.ForeignKey(
        "orders.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="payments"
    )
    method = models.CharField("支付方式", max_length=16, choices=PayMethod.choices)
    status = models.CharField(
        "状态", max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING, db_index=True
    )
    appid = models.CharField("AppID", max_length=32)
    mchid = models.CharField("商户号", max_length=32)
    amount = models.PositiveIntegerField("金额")
    # Per attempt: the order number plus an attempt suffix, so a fresh QR code or another method never
    # collides with WeChat's earlier order (same out_trade_no with other parameters is refused).
    out_trade_no = models.CharField("商户订单号", max_length=32, unique=True)
    prepay_id = models.CharField("prepay_id", max_length=64, blank=True)
    code_url = models.CharField("二维码链接", max_length=255, blank=True)
    h5_url = models.CharField("H5 支付链接", max_length=512, blank=True)
    code_expires_at = models.DateTimeField("二维码有效期至", null=True, blank=True)
    payer_openid = models.CharField("付款人 openid", max_length=128, blank=True)
    payer_ip = models.GenericIPAddressField("付款人 IP", null=True, blank=True)
    transaction_id = models.CharField("微信支付单号", max_length=64, null=True, blank=True, unique=True)  # noqa: DJ001
    paid_amount = models.PositiveIntegerField("实付金额", null=True, blank=True)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    trade_type = models.CharField("交易类型", max_length=16, blank=True)
    # Prepaid with settle_info.profit_sharing: the funds stay frozen until split or unfrozen.
    profit_sharing = models.BooleanField("分账订单", default=False)
    flag_reason = models.CharField("异常原因", max_length=200, blank=True)
    late_payment = models.CharField("取消后到账", max_length=16, choices=LatePayment.choices, blank=True)
    last_queried_at = models.DateTimeField("最近查单", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "支付单"
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="paid"), name="payment_one_paid_per_order"
            ),
            models.CheckConstraint(condition=Q(amount__gte=1), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.method}/{self.status}"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", "待提交"  # written with the order's change; the outbox submits it
    PROCESSING = "processing", "退款中"
    SUCCESS = "success", "已退款"
    ABNORMAL = "abnormal", "退款异常"
    CLOSED = "closed", "退款关闭"


class Refund(StaffResolution):
    payment = models.ForeignKey(
        Payment, verbose_name="支付单", on_delete=models.PROTECT, related_name="refunds"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="refunds"
    )
    out_refund_no = models.CharField("退款单号", max_length=64, unique=True)
    refund_id = models.CharField("微信退款单号", max_length=64, blank=True)
    amount = models.PositiveIntegerField("退款金额")
    reason = models.CharField("退款原因", max_length=80, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=RefundStatus.choices, default=RefundStatus.REQUESTED, db_index=True
    )
    # Whether the order moves to `refunded` when this refund succeeds (a full refund of the order).
    completes_order = models.BooleanField("退款后订单关闭", default=False)
    last_error = models.CharField("最近错误", max_length=200, blank=True)
    last_queried_at = models.DateTimeField("最近查询", null=True, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True, db_index=True)
    succeeded_at = models.DateTimeField("退款成功时间", null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "退款单"
        constraints = [models.CheckConstraint(condition=Q(amount__gte=1), name="refund_amount_positive")]

    def __str__(self) -> str:
        return self.out_refund_no


class OfflinePayment(models.Model):
    """A payment received outside WeChat Pay (线下收款) that staff recorded for an unpaid order."""

    order = models.OneToOneField(
        "orders.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="offline_payment"
    )
    amount = models.PositiveIntegerField("金额(分)")
    reference = models.CharField("收款凭证号", max_length=64)
    reason = models.CharField("说明", max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "线下收款"
        permissions = [("mark_paid_offline", "可登记线下收款")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.reference}"


class NotificationOutcome(models.TextChoices):
    RECEIVED = "received", "已接收"
    APPLIED = "applied", "已处理"
    DUPLICATE = "duplicate", "重复通知"
    FLAGGED = "flagged", "待人工处理"
    IGNORED = "ignored", "已忽略"


class Notification(models.Model):
    """A verified notification, as it arrived (the decrypted resource alongside, for staff). Stored by the
    endpoint as `received`; the worker applies it and records the outcome."""

    notify_id = models.CharField("通知 ID", max_length=64, unique=True)
    event_type = models.CharField("事件类型", max_length=32)
    serial = models.CharField("验签密钥", max_length=64)
    headers = models.JSONField("请求头")
    body = models.TextField("原始报文")
    resource = models.JSONField("解密内容", null=True, blank=True)
    outcome = models.CharField(
        "处理结果", max_length=16, choices=NotificationOutcome.choices, default=NotificationOutcome.RECEIVED
    )
    detail = models.CharField("说明", max_length=200, blank=True)
    deliveries = models.PositiveIntegerField("收到次数", default=1)
    received_at = models.DateTimeField("接收时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-received_at", "-id")
        verbose_name = verbose_name_plural = "支付通知"
        # The worker's and the sweep's work list: only the few still to apply, however long the inbox.
        indexes = [
            models.Index(
                fields=["received_at"], condition=Q(outcome="received"), name="payment_notification_todo"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.notify_id}"


class ReconciliationRun(models.Model):
    """One bill day checked against our records; re-running the day updates this row (unique date)."""

    bill_date = models.DateField("账单日期", unique=True)
    bill_rows = models.PositiveIntegerField("账单笔数", default=0)
    # Per WeChat trade type: {"NATIVE": {"count", "paid", "refunded", "fee", "net"}} in fen; "ALL" sums.
    totals = models.JSONField("汇总(分)", default=dict)
    # Per fund account of the fund-flow bill: {"BASIC": {"count", "income", "expense", "fee", "refund",
    # "net"}} in fen; "ALL" sums.
    fund_totals = models.JSONField("资金汇总(分)", default=dict)
    differences = models.PositiveIntegerField("差异数", default=0)
    ran_at = models.DateTimeField("对账时间", auto_now=True)

    class Meta:
        ordering = ("-bill_date",)
        verbose_name = verbose_name_plural = "对账记录"

    def __str__(self) -> str:
        return str(self.bill_date)


class DifferenceKind(models.TextChoices):
    MISSING_HERE = "missing_here", "微信有、本地无"
    MISSING_ON_WECHAT = "missing_on_wechat", "本地有、微信无"
    AMOUNT = "amount", "金额不一致"
    STATE = "state", "状态不一致"
    REFUND_MISSING_HERE = "refund_missing_here", "退款：微信有、本地无"
    REFUND_MISSING_ON_WECHAT = "refund_missing_on_wechat", "退款：本地有、微信无"
    REFUND_AMOUNT = "refund_amount", "退款金额不一致"
    FUNDS_INCOME_UNKNOWN = "funds_income_unknown", "资金：入账本地无记录"
    FUNDS_REFUND_UNKNOWN = "funds_refund_unknown", "资金：退款扣款本地无记录"
    FUNDS_AMOUNT = "funds_amount", "资金：金额不一致"


class DifferenceStatus(models.TextChoices):
    OPEN = "open", "待处理"
    FIXED = "fixed", "已修复"
    EXPLAINED = "explained", "已说明"


class ReconciliationDifference(models.Model):
    """A bill line and our records disagree. `reference` is the out_trade_no (or out_refund_no for
    refunds); one row per (day, reference, kind), so re-running a day never duplicates."""

    bill_date = models.DateField("账单日期", db_index=True)
    reference = models.CharField("商户单号", max_length=64)
    kind = models.CharField("差异类型", max_length=32, choices=DifferenceKind.choices)
    out_trade_no = models.CharField("商户订单号", max_length=64, blank=True)
    transaction_id = models.CharField("微信支付单号", max_length=64, blank=True)
    trade_type = models.CharField("交易类型", max_length=16, blank=True)
    wechat_amount = models.IntegerField("微信金额", null=True, blank=True)
    local_amount = models.IntegerField("本地金额", null=True, blank=True)
    detail = models.CharField("说明", max_length=200, blank=True)
    status = models.CharField(
        "处理状态", max_length=16, choices=DifferenceStatus.choices, default=DifferenceStatus.OPEN
    )
    note = models.CharField("处理备注", max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User",
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)

    class Meta:
        ordering = ("-bill_date", "id")
        verbose_name = verbose_name_plural = "对账差异"
        constraints = [
            models.UniqueConstraint(fields=["bill_date", "reference", "kind"], name="recon_difference_once")
        ]

    def __str__(self) -> str:
        return f"{self.bill_date} {self.reference} {self.kind}"
