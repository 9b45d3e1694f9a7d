"""Group buying and referral campaigns."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class GroupDeal(models.Model):
    """A SKU sold at `group_price` to groups of `size` paid members formed within `hours` of opening."""

    sku = models.ForeignKey("catalog.SKU", verbose_name="SKU", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("活动名称", max_length=60)
    group_price = models.PositiveIntegerField("拼团价")
    size = models.PositiveSmallIntegerField("成团人数")
    hours = models.PositiveSmallIntegerField("成团时限(小时)", default=24)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "拼团活动"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__gte=2, size__lte=50), name="group_deal_size_range"
            ),
            models.CheckConstraint(condition=models.Q(group_price__gte=1), name="group_deal_price_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Group(models.Model):
    """One group of a deal. `seats` counts members holding a place (unpaid orders included) and only ever
    moves by guarded UPDATEs; `paid` counts paid members. The state is decided under the row lock."""

    class State(models.TextChoices):
        OPEN = "open", "拼团中"
        SUCCEEDED = "succeeded", "已成团"
        FAILED = "failed", "未成团（已退款）"

    deal = models.ForeignKey(
        GroupDeal, verbose_name="拼团活动", on_delete=models.PROTECT, related_name="groups"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="团长", on_delete=models.PROTECT, related_name="+"
    )
    link = models.OneToOneField(
        "marketing.Link", verbose_name="分享链接", on_delete=models.PROTECT, related_name="group"
    )
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.OPEN, db_index=True)
    seats = models.PositiveSmallIntegerField("占位", default=0)
    paid = models.PositiveSmallIntegerField("已付款", default=0)
    expires_at = models.DateTimeField("截止时间", db_index=True)
    decided_at = models.DateTimeField("结束时间", null=True, blank=True)
    created_at = models.DateTimeField("开团时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "团"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.deal_id}#{self.pk}"


class GroupMember(models.Model):
    """A customer's place in a group, with the order that pays for it. Once per customer per group."""

    group = models.ForeignKey(Group, verbose_name="团", on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="顾客", on_delete=models.PROTECT, related_name="+"
    )
    order = models.OneToOneField(
        "orders.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="group_member"
    )
    is_paid = models.BooleanField("已付款", default=False)
    refund_started = models.BooleanField("已发起退款", default=False)
    joined_at = models.DateTimeField("参团时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "团成员"
        ordering = ["joined_at", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_member_once")]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.user_id}"


class ReferralCampaign(models.Model):
    """邀请有礼: an invited new customer's first paid order rewards both sides, once per invitee."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        RUNNING = "running", "进行中"
        STOPPED = "stopped", "已停止"

    name = models.CharField("活动名称", max_length=60)
    copy = models.TextField("活动文案", max_length=2000)
    mechanism = models.TextField("奖励机制说明", max_length=1000)
    inviter_points = models.PositiveIntegerField("邀请人奖励积分", default=0)
    invitee_points = models.PositiveIntegerField("新顾客奖励积分", default=0)
    # A coupon from the coupons centre (granted-audience only) given to each side besides the points.
    inviter_coupon = models.ForeignKey(
        "checkout.Coupon",
        verbose_name="邀请人奖励优惠券",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    invitee_coupon = models.ForeignKey(
        "checkout.Coupon",
        verbose_name="新顾客奖励优惠券",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "邀请活动"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """Who invited a new customer (one inviter per invitee, across campaigns), through which link."""

    campaign = models.ForeignKey(ReferralCampaign, on_delete=models.PROTECT, related_name="invitations")
    inviter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invitee = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitation"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "邀请关系"

    def __str__(self) -> str:
        return f"{self.inviter_id}→{self.invitee_id}"


class CouponOutcome(models.TextChoices):
    NONE = "", "无"
    GRANTED = "granted", "已发放"
    ALREADY_HELD = "already_held", "顾客已持有该券（未重复发放）"
    UNAVAILABLE = "unavailable", "券已停用或过期，未发放"
    REVOKED = "revoked", "已收回"
    USED = "used", "已使用，无法收回"


class ReferralReward(models.Model):
    """The reward an invitation earned: one per invitation (unique), reversed on a full refund. A coupon
    side records what happened to it: granted, then on the refund revoked (unused) or not recoverable
    (used); a coupon the customer already held was not granted by this reward and is never revoked."""

    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="reward")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="referral_reward")
    reversed = models.BooleanField("已扣回", default=False)
    inviter_grant = models.ForeignKey(
        "checkout.CouponGrant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invitee_grant = models.ForeignKey(
        "checkout.CouponGrant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    inviter_coupon = models.CharField(
        "邀请人优惠券", max_length=16, choices=CouponOutcome.choices, blank=True, default=""
    )
    invitee_coupon = models.CharField(
        "新顾客优惠券", max_length=16, choices=CouponOutcome.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "邀请奖励"

    def __str__(self) -> str:
        return f"{self.invitation_id}:{self.order_id}"
