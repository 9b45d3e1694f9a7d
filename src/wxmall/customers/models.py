"""Segments (saved customer rules, evaluated by `queries.segment_members`) and coupon campaigns (one
issue of a coupon to a segment, done by a background job)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class SourceChannel(models.TextChoices):
    # The same values as accounts.Member.Source: how the customer became a member.
    ORDER = "order", "下单"
    FOLLOW = "follow", "关注公众号"
    STAFF = "staff", "员工"
    MERGE = "merge", "账号合并"
    IMPORT = "import", "导入"


class Segment(models.Model):
    """A saved rule; every condition left empty matches everyone. Spend is the paid, not refunded order
    total (fen); recency counts days since the last paid order."""

    name = models.CharField("分群名称", max_length=40, unique=True)
    # Tag names: a customer's own tags (imported or set by staff) and their Official Account tags.
    tags = models.JSONField("带任一标签", default=list, blank=True)
    min_spend = models.PositiveBigIntegerField("累计消费不低于", null=True, blank=True)
    max_spend = models.PositiveBigIntegerField("累计消费不高于", null=True, blank=True)
    min_orders = models.PositiveIntegerField("订单数不少于", null=True, blank=True)
    max_orders = models.PositiveIntegerField("订单数不多于", null=True, blank=True)
    ordered_within_days = models.PositiveIntegerField("最近 N 天内下过单", null=True, blank=True)
    idle_for_days = models.PositiveIntegerField("已 N 天未下单", null=True, blank=True)
    source = models.CharField("入会渠道", max_length=16, choices=SourceChannel.choices, blank=True)
    level = models.ForeignKey(
        "accounts.MembershipLevel", verbose_name="会员等级", null=True, blank=True, on_delete=models.PROTECT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ("-id",)
        verbose_name = verbose_name_plural = "顾客分群"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_spend__isnull=True)
                | Q(max_spend__isnull=True)
                | Q(min_spend__lte=F("max_spend")),
                name="segment_spend_band_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_orders__isnull=True)
                | Q(max_orders__isnull=True)
                | Q(min_orders__lte=F("max_orders")),
                name="segment_order_band_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "发放中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class CouponCampaign(models.Model):
    """Issuing one coupon to one segment. The segment is evaluated when the job runs; each customer gets
    the coupon once however often the job (or another campaign of the same coupon) runs."""

    coupon = models.ForeignKey(
        "checkout.Coupon", verbose_name="优惠券", on_delete=models.PROTECT, related_name="campaigns"
    )
    segment = models.ForeignKey(
        Segment, verbose_name="分群", on_delete=models.PROTECT, related_name="campaigns"
    )
    status = models.CharField(
        "状态", max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.QUEUED
    )
    matched = models.PositiveIntegerField("分群人数", default=0)
    issued = models.PositiveIntegerField("本次发放", default=0)
    error = models.CharField("错误", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        verbose_name = verbose_name_plural = "定向发券"

    def __str__(self) -> str:
        return f"{self.coupon_id} → {self.segment_id}"


class SegmentMessage(models.Model):
    """A text mass-sent (群发) to a segment's followers through the segment's Official Account tag. The
    members are counted and the tag set when staff send it; the outbox delivers it once (`clientmsgid`
    makes a retry harmless) and WeChat's MASSSENDJOBFINISH fills in the result."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        SUBMITTED = "submitted", "已提交微信"
        FINISHED = "finished", "已完成"
        FAILED = "failed", "发送失败"

    segment = models.ForeignKey(
        Segment, verbose_name="分群", on_delete=models.PROTECT, related_name="messages"
    )
    tag = models.ForeignKey(
        "officialaccount.FollowerTag", verbose_name="粉丝标签", on_delete=models.PROTECT, related_name="+"
    )
    content = models.TextField("内容", max_length=600)
    clientmsgid = models.CharField("群发幂等号", max_length=64, unique=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    members = models.PositiveIntegerField("分群人数", default=0)
    followers = models.PositiveIntegerField("关注公众号的", default=0)
    skipped = models.PositiveIntegerField("未关注跳过", default=0)
    msg_id = models.BigIntegerField("微信群发 ID", null=True, blank=True, db_index=True)
    errcode = models.IntegerField("错误码", null=True, blank=True)
    wechat_status = models.CharField("微信结果", max_length=64, blank=True)
    total_count = models.PositiveIntegerField("标签粉丝数", null=True, blank=True)
    filter_count = models.PositiveIntegerField("过滤后", null=True, blank=True)
    sent_count = models.PositiveIntegerField("发送成功", null=True, blank=True)
    error_count = models.PositiveIntegerField("发送失败", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        verbose_name = verbose_name_plural = "分群群发"

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.clientmsgid}"
