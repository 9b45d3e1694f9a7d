from django.contrib.auth.models import AbstractUser
from django.db import models

from wxmall.core.fields import EncryptedTextField


class User(AbstractUser):
    """Customers and staff alike. WeChat identities (appid, openid, unionid) hang off this model in
    their own table when WeChat login lands; a customer may own several of them."""

    nickname = models.CharField("昵称", max_length=64, blank=True)
    avatar_url = models.URLField("头像", blank=True)
    # The number WeChat vouched for (Mini Program getPhoneNumber); personal data, encrypted at rest.
    phone = EncryptedTextField("手机号", blank=True, default="")
    # lookup_hash of `phone`: how a phone number finds its customer (imports, phone binding) unencrypted.
    phone_hash = models.CharField("手机号索引", max_length=64, blank=True, default="", db_index=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        indexes = [models.Index(fields=["email"], name="user_email_lookup")]  # import de-duplication

    @property
    def display_name(self) -> str:
        return self.nickname or self.username


class Address(models.Model):
    """A customer's shipping address. Name, phone and street detail are personal data, encrypted at rest;
    province/city/district stay plain so they can be reported on. Orders copy an address into their own
    columns when placed, so editing or deleting it later never changes an order. At most
    CHECKOUT_MAX_ADDRESSES per customer (enforced in `accounts.actions.add_address` under a row lock)."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="addresses")
    recipient = EncryptedTextField("收货人")
    phone = EncryptedTextField("手机号")
    province = models.CharField("省份", max_length=32)
    city = models.CharField("城市", max_length=32)
    district = models.CharField("区县", max_length=32, blank=True)
    detail = EncryptedTextField("详细地址")
    is_default = models.BooleanField("默认地址", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ("-is_default", "-id")
        verbose_name = verbose_name_plural = "收货地址"
        constraints = [
            # One default per customer; the actions clear the old default in the same transaction.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_default=True), name="address_one_default_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province}{self.city}{self.district}"

    @property
    def region(self) -> str:
        return " ".join(p for p in (self.province, self.city, self.district) if p)


class WeChatIdentity(models.Model):
    """One WeChat identity of a customer: the openid a given app (Official Account / web, or Mini Program)
    knows them by. A customer may own several; identities that share a unionid belong to one customer.
    Payments use it to find the JSAPI payer's openid for the app that pays (`queries.openid_for`)."""

    class Kind(models.TextChoices):
        OA = "oa", "公众号 / 网页"
        MINIPROGRAM = "miniprogram", "小程序"

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="wechat_identities"
    )
    appid = models.CharField("AppID", max_length=32)
    openid = models.CharField("OpenID", max_length=64)
    # NULL, not "": an unknown unionid must never match another unknown one when identities are joined.
    unionid = models.CharField("UnionID", max_length=64, null=True, blank=True, db_index=True)  # noqa: DJ001
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    nickname = models.CharField("微信昵称", max_length=64, blank=True)
    avatar_url = models.URLField("微信头像", max_length=512, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_login_at = models.DateTimeField("最近登录", null=True, blank=True)
    # Mini Program only: the latest jscode2session key. Server-side only (never in a response), encrypted.
    session_key = EncryptedTextField("会话密钥", blank=True, default="", editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "微信身份"
        constraints = [
            models.UniqueConstraint(fields=["appid", "openid"], name="wechat_identity_unique_app_openid"),
        ]
        indexes = [models.Index(fields=["user", "appid"], name="wechat_identity_user_app")]

    def __str__(self) -> str:
        return f"{self.appid}:{self.openid}"


class CustomerMerge(models.Model):
    """One customer folded into another: who did it, when, and exactly which rows moved (so staff can undo
    it until `reversible_until`). At most one live merge per source (the constraint), and a merged source
    is deactivated so it can no longer log in."""

    source = models.ForeignKey(User, verbose_name="被合并用户", on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(User, verbose_name="合并到", on_delete=models.PROTECT, related_name="+")
    # Null when the customer linked their own accounts (the WeChat login folded into a store account).
    staff = models.ForeignKey(
        User, verbose_name="操作员工", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField("原因", max_length=200, blank=True)
    moved = models.JSONField("迁移的数据", default=dict)  # {"app.model.field": [pk, …]}
    kept = models.JSONField("未迁移的数据", default=dict)  # rows a unique rule kept with the source
    points_moved = models.IntegerField("迁移积分", default=0)
    paid_total_moved = models.BigIntegerField("迁移累计消费", default=0)
    # Profile fields the target lacked and took from the source ({"phone": true, …}); a reversal clears
    # those the target still holds unchanged.
    fields_copied = models.JSONField("补全的资料", default=dict)
    source_was_active = models.BooleanField("被合并用户原为启用", default=True)
    created_at = models.DateTimeField("合并时间", auto_now_add=True)
    reversible_until = models.DateTimeField("可撤销至")
    reversed_at = models.DateTimeField("撤销时间", null=True, blank=True)
    reversed_by = models.ForeignKey(
        User, verbose_name="撤销员工", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "用户合并记录"
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=models.Q(reversed_at__isnull=True),
                name="merge_one_live_per_source",
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="merge_not_into_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"


class MembershipLevel(models.Model):
    """A level a member reaches by cumulative paid amount (fen) or by points balance, whichever comes
    first; the highest level reached applies. Edited by staff in the admin."""

    name = models.CharField("名称", max_length=32, unique=True)
    min_paid_total = models.PositiveBigIntegerField("累计消费门槛", default=0)
    min_points = models.PositiveIntegerField("积分门槛", default=0)
    rank = models.PositiveSmallIntegerField("等级序号", unique=True)

    class Meta:
        ordering = ("rank",)
        verbose_name = verbose_name_plural = "会员等级"

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A customer's membership: points balance (never negative: guarded UPDATEs and a check constraint)
    and cumulative paid amount. Created on the first event that needs it (a follow, a paid order)."""

    class Source(models.TextChoices):
        ORDER = "order", "下单"
        FOLLOW = "follow", "关注公众号"
        STAFF = "staff", "员工"
        MERGE = "merge", "账号合并"
        IMPORT = "import", "导入"

    user = models.OneToOneField(User, verbose_name="用户", on_delete=models.CASCADE, related_name="member")
    points = models.IntegerField("积分余额", default=0)
    paid_total = models.BigIntegerField("累计消费", default=0)
    level = models.ForeignKey(
        MembershipLevel, verbose_name="会员等级", on_delete=models.SET_NULL, null=True, blank=True
    )
    source = models.CharField("入会渠道", max_length=16, choices=Source.choices, default=Source.ORDER)
    joined_at = models.DateTimeField("入会时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "会员"
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gte=0), name="member_points_not_negative"),
            models.CheckConstraint(
                condition=models.Q(paid_total__gte=0), name="member_paid_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.points}"


class PointsEntry(models.Model):
    """One change of a member's points. Order-driven kinds are unique per (order, kind), so a paid or
    refunded order replayed any number of times changes the balance once."""

    class Kind(models.TextChoices):
        EARN_ORDER = "earn_order", "订单奖励"
        REVERSE_ORDER = "reverse_order", "退款扣回"
        SPEND_ORDER = "spend_order", "下单抵扣"
        RESTORE_ORDER = "restore_order", "订单取消退还"
        REFUND_RETURN = "refund_return", "退款退还积分"
        ADJUST = "adjust", "员工调整"
        MERGE_IN = "merge_in", "账号合并转入"
        MERGE_OUT = "merge_out", "账号合并转出"
        IMPORT = "import", "会员导入"
        REFERRAL = "referral", "邀请奖励"
        REFERRAL_BACK = "referral_back", "邀请奖励扣回"

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="points_entries"
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    delta = models.IntegerField("变动")
    balance_after = models.IntegerField("变动后余额")
    order_no = models.CharField("订单号", max_length=32, blank=True)
    # Tells apart several entries of one kind for one order (each partial refund: its out_refund_no).
    ref = models.CharField("关联单号", max_length=64, blank=True)
    staff = models.ForeignKey(
        User, verbose_name="操作员工", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "积分流水"
        constraints = [
            models.UniqueConstraint(
                fields=["order_no", "kind", "ref"],
                condition=~models.Q(order_no=""),
                name="points_once_per_order_kind_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+d}"
