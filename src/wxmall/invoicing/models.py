"""Electronic invoices (电子发票).

- `InvoiceTitle`: a customer's saved buyer title (个人 or 单位 with taxpayer id, bank and address).
- `Invoice`: one invoice for one order or a merged one for several orders of a customer. The buyer data
  is a snapshot (editing a saved title never changes an issued invoice). Status:
      requested ──► issuing ──► issued ──► reversed      (红冲 after a refund; a new invoice follows)
          ▲            │
          └── failed ◄─┘   (the platform refused it; staff fix and retry from the desk)
      requested / failed ──► cancelled                   (superseded before anything was issued)
  The WeChat card package is a separate track (`wechat_status`): the customer authorises on WeChat's page,
  and the card is inserted once the invoice is issued, whichever comes second.
- `InvoiceOrder`: which orders an invoice covers. At most one *active* row per order (a partial unique
  index), so two requests for one order at once end with one invoice, and a re-issue can only follow the
  reversal of the one before.
- `InvoiceEvent`: the audit trail shown on the desk.
- `InvoiceIntent`: the title a customer gave at checkout; the order's payment requests the invoice.
- `WechatInvoiceSetup`: the account's platform id (s_pappid) and card template, created once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class TitleKind(models.TextChoices):
    INDIVIDUAL = "individual", "个人"
    COMPANY = "company", "单位"


class InvoiceType(models.TextChoices):
    NORMAL = "normal", "普通发票"
    SPECIAL = "special", "增值税专用发票"


class InvoiceStatus(models.TextChoices):
    REQUESTED = "requested", "待开票"
    ISSUING = "issuing", "开票中"
    ISSUED = "issued", "已开票"
    FAILED = "failed", "开票失败"
    REVERSED = "reversed", "已红冲"
    CANCELLED = "cancelled", "已作废"


class WechatStatus(models.TextChoices):
    NONE = "", "未存入卡包"
    LINK = "link", "待微信授权"
    AUTHORIZED = "authorized", "已授权，待存入"
    INSERTED = "inserted", "已存入微信卡包"
    DECLINED = "declined", "用户未授权"
    REJECTED = "rejected", "商户已拒绝"
    FAILED = "failed", "存入卡包失败"


class InvoiceTitle(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="顾客", on_delete=models.CASCADE, related_name="invoice_titles"
    )
    kind = models.CharField("抬头类型", max_length=16, choices=TitleKind.choices)
    name = models.CharField("抬头名称", max_length=120)
    tax_id = models.CharField("纳税人识别号", max_length=20, blank=True)
    address = models.CharField("地址", max_length=128, blank=True)
    phone = models.CharField("电话", max_length=32, blank=True)
    bank_name = models.CharField("开户银行", max_length=128, blank=True)
    bank_account = models.CharField("银行账号", max_length=32, blank=True)
    from_wechat = models.BooleanField("来自微信抬头", default=False)
    created_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "发票抬头"
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "name", "tax_id"], name="invoice_title_once")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_special_details(self) -> bool:
        return bool(self.address and self.phone and self.bank_name and self.bank_account)


class Invoice(models.Model):
    number = models.CharField("开票请求号", max_length=32, unique=True)  # the platform's request_no
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="顾客", on_delete=models.PROTECT, related_name="invoices"
    )
    invoice_type = models.CharField("发票类型", max_length=16, choices=InvoiceType.choices)
    title_kind = models.CharField("抬头类型", max_length=16, choices=TitleKind.choices)
    buyer_name = models.CharField("购买方名称", max_length=120)
    buyer_tax_id = models.CharField("购买方税号", max_length=20, blank=True)
    buyer_address_phone = models.CharField("购买方地址电话", max_length=160, blank=True)
    buyer_bank_account = models.CharField("购买方开户行及账号", max_length=160, blank=True)
    email = models.EmailField("接收邮箱", blank=True)

    status = models.CharField(
        "状态", max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.REQUESTED, db_index=True
    )
    amount = models.IntegerField("金额(不含税)")
    tax = models.IntegerField("税额")
    total = models.IntegerField("价税合计")
    lines = models.JSONField("发票行", default=list)
    replaces = models.ForeignKey(
        "self", verbose_name="红冲后重开自", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    platform_invoice_no = models.CharField("发票号码", max_length=32, blank=True)
    issued_at = models.DateTimeField("开票时间", null=True, blank=True, db_index=True)
    pdf = models.BinaryField("发票PDF", null=True, blank=True, editable=False)
    attempts = models.PositiveIntegerField("开票尝试次数", default=0)
    last_error = models.CharField("最近错误", max_length=300, blank=True)

    # 红冲: requested when a refund arrives; `reversed` once the platform issued the red invoice.
    reverse_reason = models.CharField("红冲原因", max_length=100, blank=True)
    red_request_no = models.CharField("红冲请求号", max_length=40, blank=True)
    red_invoice_no = models.CharField("红字发票号码", max_length=32, blank=True)
    reversed_at = models.DateTimeField("红冲时间", null=True, blank=True, db_index=True)
    red_pdf = models.BinaryField("红字发票PDF", null=True, blank=True, editable=False)

    wechat_status = models.CharField(
        "微信卡包", max_length=16, choices=WechatStatus.choices, default=WechatStatus.NONE, blank=True
    )
    wechat_order_id = models.CharField("微信开票订单号", max_length=40, blank=True)
    wechat_openid = models.CharField("微信用户", max_length=64, blank=True)
    card_code = models.CharField("卡券 code", max_length=32, blank=True)
    wechat_error = models.CharField("卡包错误", max_length=300, blank=True)

    created_at = models.DateTimeField("申请时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "电子发票"
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=1), name="invoice_total_positive"),
            models.CheckConstraint(
                condition=Q(total=models.F("amount") + models.F("tax")), name="invoice_sums"
            ),
            models.UniqueConstraint(
                fields=["wechat_order_id"], condition=~Q(wechat_order_id=""), name="invoice_wechat_order_once"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceOrder(models.Model):
    invoice = models.ForeignKey(Invoice, verbose_name="发票", on_delete=models.CASCADE, related_name="covers")
    order = models.ForeignKey(
        "orders.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="invoice_links"
    )
    amount = models.PositiveIntegerField("开票金额")
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "发票订单"
        constraints = [
            models.UniqueConstraint(fields=["invoice", "order"], name="invoice_order_once"),
            # One live invoice per order: the database refuses the second, whatever races to write it.
            models.UniqueConstraint(
                fields=["order"], condition=Q(active=True), name="invoice_one_live_per_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}:{self.order_id}"


class InvoiceEvent(models.Model):
    invoice = models.ForeignKey(Invoice, verbose_name="发票", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事件", max_length=32)
    detail = models.CharField("说明", max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = verbose_name_plural = "发票事件"

    def __str__(self) -> str:
        return self.kind


class InvoiceIntent(models.Model):
    """The buyer a customer gave at checkout: the invoice is requested when the order is paid."""

    order = models.OneToOneField(
        "orders.Order", verbose_name="订单", on_delete=models.CASCADE, related_name="invoice_intent"
    )
    buyer = models.JSONField("购买方")  # the checked fields of actions.Buyer
    created_at = models.DateTimeField("填写时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "下单时的开票信息"

    def __str__(self) -> str:
        return str(self.order_id)


class WechatInvoiceSetup(models.Model):
    appid = models.CharField("公众号 AppID", max_length=32, unique=True)
    s_pappid = models.CharField("开票平台标识", max_length=128)
    card_id = models.CharField("发票卡券模板", max_length=64)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "微信电子发票设置"

    def __str__(self) -> str:
        return self.appid
