"""Channels (视频号) content commerce: the content calendar, live sessions with their shelf and timed
coupons, short videos with a tracked link, sharers and their commission ledger, the alliance, topic
challenges.

Concurrency and money rules:
- A commission is unique per (order, sharer): accruing twice (a replayed push, two workers) writes one row.
- A reversal is unique per (commission, ref) where ref names the refund: a replayed refund reverses once.
  `reversed_amount` only grows, with a guarded UPDATE that keeps it ≤ `amount`.
- Money leaves through WeChat with one number per commission: `out_order_no` (profit-sharing order),
  `out_bill_no` (merchant transfer), `out_return_no` per reversal — all unique, never reassigned, so a
  retried or replayed job asks WeChat for the same thing and WeChat's idempotency holds.
- State moves are guarded UPDATEs (`… WHERE status = <expected>`): a second runner finds nothing to move.
- A challenge reward is unique per (challenge, openid); a booking per (session, openid).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from wxmall.core.fields import EncryptedTextField


# --- content calendar ------------------------------------------------------------------------------------
class EntryKind(models.TextChoices):
    REVIEW_VIDEO = "review_video", "测评短视频"
    LIVE = "live", "直播"
    PROMO_WARMUP = "promo_warmup", "大促预热"


class CalendarEntry(models.Model):
    kind = models.CharField("类型", max_length=16, choices=EntryKind.choices)
    title = models.CharField("标题", max_length=80)
    starts_at = models.DateTimeField("开始时间", db_index=True)
    note = models.CharField("备注", max_length=200, blank=True)
    live = models.ForeignKey(
        "LiveSession", verbose_name="直播", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    generated = models.BooleanField("按节奏生成", default=False)
    # Set once by the reminder job's guarded UPDATE: a second beat run reminds nobody again.
    reminded_at = models.DateTimeField("已提醒", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ("starts_at", "id")
        verbose_name = verbose_name_plural = "内容日程"
        constraints = [
            # The rhythm generator may run again over the same weeks: one entry per slot.
            models.UniqueConstraint(fields=["kind", "starts_at", "title"], name="channels_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%m-%d %H:%M} {self.get_kind_display()} {self.title}"


class StaffNotice(models.Model):
    """A reminder shown in the console (and sent to the staff openid, if configured)."""

    entry = models.OneToOneField(
        CalendarEntry, verbose_name="日程", on_delete=models.CASCADE, related_name="notice"
    )
    message = models.CharField("内容", max_length=200)
    created_at = models.DateTimeField("提醒时间", auto_now_add=True)
    read_at = models.DateTimeField("已读", null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "员工提醒"

    def __str__(self) -> str:
        return self.message


# --- live sessions ---------------------------------------------------------------------------------------
class LiveStatus(models.TextChoices):
    SCHEDULED = "scheduled", "未开播"
    LIVE = "live", "直播中"
    ENDED = "ended", "已结束"


class LiveSession(models.Model):
    title = models.CharField("直播标题", max_length=80)
    finder_id = models.CharField("视频号", max_length=64, blank=True)
    # WeChat's ids: the live's export_id (once it started) and its reservation notice.
    export_id = models.CharField("直播 ID", max_length=128, unique=True, null=True, blank=True)  # noqa: DJ001
    notice_id = models.CharField("预约 ID", max_length=128, blank=True, db_index=True)
    status = models.CharField("状态", max_length=16, choices=LiveStatus.choices, default=LiveStatus.SCHEDULED)
    starts_at = models.DateTimeField("计划开播时间")
    started_at = models.DateTimeField("开播时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    featured = models.ForeignKey(
        "catalog.Product",
        verbose_name="讲解中商品",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    viewers = models.PositiveIntegerField("观看人数", default=0)
    viewers_at = models.DateTimeField("人数更新时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ("-starts_at", "-id")
        verbose_name = verbose_name_plural = "直播场次"

    def __str__(self) -> str:
        return self.title


class ShelfItem(models.Model):
    session = models.ForeignKey(
        LiveSession, verbose_name="直播", on_delete=models.CASCADE, related_name="shelf"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name="商品", on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveSmallIntegerField("排序", default=0)
    added_at = models.DateTimeField("上架时间", auto_now_add=True)

    class Meta:
        ordering = ("position", "id")
        verbose_name = verbose_name_plural = "直播货架"
        constraints = [models.UniqueConstraint(fields=["session", "product"], name="channels_shelf_once")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.product_id}"


class LiveCoupon(models.Model):
    """A Store coupon popped up in the live room between `pops_at` and `until` (the plan staff apply in
    视频号助手: WeChat has no open API for live-room pop-ups, reference §8.2)."""

    session = models.ForeignKey(
        LiveSession, verbose_name="直播", on_delete=models.CASCADE, related_name="coupons"
    )
    store_coupon_id = models.CharField("小店优惠券 ID", max_length=24)
    name = models.CharField("名称", max_length=40, blank=True)
    pops_at = models.DateTimeField("弹出时间")
    until = models.DateTimeField("截止时间")

    class Meta:
        ordering = ("pops_at", "id")
        verbose_name = verbose_name_plural = "直播优惠券"
        constraints = [
            models.CheckConstraint(condition=Q(until__gt=F("pops_at")), name="channels_coupon_window")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.store_coupon_id}"


class LiveBooking(models.Model):
    """A follower who booked (预约) the live: reminded once by subscribe message before it starts."""

    session = models.ForeignKey(
        LiveSession, verbose_name="直播", on_delete=models.CASCADE, related_name="bookings"
    )
    openid = models.CharField("openid", max_length=128)
    booked_at = models.DateTimeField("预约时间", auto_now_add=True)
    reminded_at = models.DateTimeField("已提醒", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "直播预约"
        constraints = [models.UniqueConstraint(fields=["session", "openid"], name="channels_booking_once")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.openid}"


# --- short videos ----------------------------------------------------------------------------------------
class ShortVideo(models.Model):
    title = models.CharField("标题", max_length=80)
    export_id = models.CharField("视频 ID", max_length=128, unique=True)
    finder_id = models.CharField("视频号", max_length=64, blank=True)
    product = models.ForeignKey(
        "catalog.Product", verbose_name="挂载商品", on_delete=models.PROTECT, related_name="+"
    )
    # The video's tracked product link: its clicks are the video's UV.
    link = models.OneToOneField(
        "marketing.Link", verbose_name="推广链接", on_delete=models.PROTECT, related_name="channels_video"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "短视频"

    def __str__(self) -> str:
        return self.title


# --- sharers, rules, attribution, commission -------------------------------------------------------------
class SharerKind(models.TextChoices):
    SHARER = "sharer", "分享员"
    PROMOTER = "promoter", "带货达人"


class ReceiverType(models.TextChoices):
    PERSONAL_OPENID = "PERSONAL_OPENID", "个人（openid）"
    MERCHANT_ID = "MERCHANT_ID", "商户号"


class Sharer(models.Model):
    kind = models.CharField("类型", max_length=16, choices=SharerKind.choices, default=SharerKind.SHARER)
    # 分享员: their openid under the shop; 达人: the promoter/finder id.
    openid = models.CharField("openid / 达人 ID", max_length=128, unique=True)
    nickname = models.CharField("昵称", max_length=64, blank=True)
    sharer_type = models.PositiveSmallIntegerField("分享员类型", default=0)  # 0 普通, 1 店铺
    unionid = models.CharField("unionid", max_length=128, blank=True)
    bound = models.BooleanField("已绑定", default=True)
    bound_at = models.DateTimeField("绑定时间", null=True, blank=True)
    # Profit-sharing receiver: a person by the Pay appid's openid, or a merchant (then name is required).
    receiver_type = models.CharField(
        "分账接收方类型", max_length=16, choices=ReceiverType.choices, default=ReceiverType.PERSONAL_OPENID
    )
    receiver_account = models.CharField("分账账号", max_length=64, blank=True)
    receiver_name = models.CharField("商户全称", max_length=128, blank=True)
    receiver_added_at = models.DateTimeField("已添加为接收方", null=True, blank=True)
    # The payee's real name, which WeChat Pay requires on a merchant transfer from 2,000 yuan (sent
    # RSA-OAEP encrypted as `user_name`). Personal data: encrypted at rest, kept only with the sharer's
    # consent (when it was given is recorded; withdrawing it clears the name).
    real_name = EncryptedTextField("真实姓名", blank=True, default="")
    name_consent_at = models.DateTimeField("实名同意时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "分享员与达人"

    def __str__(self) -> str:
        return self.nickname or self.openid

    @property
    def account(self) -> str:
        return self.receiver_account or self.openid


class SharerLink(models.Model):
    """A sharer's tracked link to the shop (optionally for one live session or video): an H5 order of a
    buyer who came through it is attributed to the sharer (and the session/video)."""

    link = models.OneToOneField(
        "marketing.Link", verbose_name="推广链接", on_delete=models.PROTECT, related_name="channels_sharer"
    )
    sharer = models.ForeignKey(Sharer, verbose_name="分享员", on_delete=models.CASCADE, related_name="links")
    live = models.ForeignKey(
        LiveSession, verbose_name="直播", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    video = models.ForeignKey(
        ShortVideo, verbose_name="短视频", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "分享员链接"

    def __str__(self) -> str:
        return f"{self.sharer_id}:{self.link_id}"


class RuleKind(models.TextChoices):
    RATE = "rate", "按比例"
    FIXED = "fixed", "固定金额"


class CommissionRule(models.Model):
    """Commission for one product or one category (a product rule wins over its category's). `rate_bp`
    in basis points (1000 = 10%); `tiers` raise the rate with the order's goods amount:
    [{"from": 50000, "rate_bp": 1200}, …] in ascending `from` (fen)."""

    product = models.ForeignKey(
        "catalog.Product",
        verbose_name="商品",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name="分类",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField("方式", max_length=8, choices=RuleKind.choices)
    rate_bp = models.PositiveIntegerField("比例(万分之)", default=0)
    fixed = models.PositiveIntegerField("固定金额(分/件)", default=0)
    tiers = models.JSONField("阶梯", default=list, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ("-id",)
        verbose_name = verbose_name_plural = "佣金规则"
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False, category__isnull=True)
                | Q(product__isnull=True, category__isnull=False),
                name="channels_rule_one_scope",
            ),
            models.CheckConstraint(condition=Q(rate_bp__lte=9000), name="channels_rule_rate_cap"),
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(is_active=True, product__isnull=False),
                name="channels_rule_product_once",
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(is_active=True, category__isnull=False),
                name="channels_rule_category_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product or self.category}: {self.get_kind_display()}"


class Attribution(models.Model):
    """Where an order came from in Channels: its sharer, live session, short video and account. Written
    once when the order is paid (a Store order from its attribution fields; an H5 order from the
    tracked link the buyer came through)."""

    class Source(models.TextChoices):
        STORE = "store", "微信小店"
        H5 = "h5", "商城（微信支付）"

    order = models.OneToOneField(
        "orders.Order", verbose_name="订单", on_delete=models.CASCADE, related_name="channels"
    )
    source = models.CharField("来源", max_length=8, choices=Source.choices)
    sharer = models.ForeignKey(
        Sharer, verbose_name="分享员", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    live = models.ForeignKey(
        LiveSession,
        verbose_name="直播",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    video = models.ForeignKey(
        ShortVideo,
        verbose_name="短视频",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    finder_id = models.CharField("视频号", max_length=64, blank=True)
    share_scene = models.PositiveSmallIntegerField("分享场景", default=0)
    tagged_at = models.DateTimeField("已打标签", null=True, blank=True)
    created_at = models.DateTimeField("归因时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "订单归因"

    def __str__(self) -> str:
        return f"{self.order_id}"


class SettleMethod(models.TextChoices):
    PROFIT_SHARING = "profit_sharing", "微信支付分账"
    TRANSFER = "transfer", "商家转账"
    PLATFORM = "platform", "微信小店平台结算"


class CommissionStatus(models.TextChoices):
    ACCRUED = "accrued", "待结算"  # in the after-sale window
    SPLITTING = "splitting", "结算中"  # sent to WeChat, not final yet
    SETTLED = "settled", "已结算"
    REVERSED = "reversed", "已冲销"  # refunded in full before it was paid
    FAILED = "failed", "结算失败"  # WeChat refused: staff decide (retry, transfer)
    PLATFORM = "platform", "平台结算"  # a Store order: WeChat settles it, the hub only records


class Commission(models.Model):
    order = models.ForeignKey(
        "orders.Order", verbose_name="订单", on_delete=models.PROTECT, related_name="commissions"
    )
    sharer = models.ForeignKey(
        Sharer, verbose_name="分享员", on_delete=models.PROTECT, related_name="commissions"
    )
    rule = models.ForeignKey(
        CommissionRule,
        verbose_name="规则",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    base = models.PositiveIntegerField("计佣金额")
    amount = models.PositiveIntegerField("佣金")
    reversed_amount = models.PositiveIntegerField("已冲销", default=0)
    method = models.CharField("结算方式", max_length=16, choices=SettleMethod.choices)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=CommissionStatus.choices,
        default=CommissionStatus.ACCRUED,
        db_index=True,
    )
    settle_after = models.DateTimeField("售后期满", db_index=True)
    # WeChat numbers, assigned once (see the module docstring).
    out_order_no = models.CharField("分账单号", max_length=64, unique=True, null=True, blank=True)  # noqa: DJ001
    out_bill_no = models.CharField("转账单号", max_length=32, unique=True, null=True, blank=True)  # noqa: DJ001
    transaction_id = models.CharField("微信支付单号", max_length=64, blank=True)
    wechat_id = models.CharField("微信单号", max_length=64, blank=True)
    paid_amount = models.PositiveIntegerField("实付佣金", default=0)
    # Each settlement attempt gets its own WeChat numbers (a refused attempt moved no money); a retry of
    # the same attempt (relay redelivery) reuses them.
    attempt = models.PositiveSmallIntegerField("结算次数", default=0)
    failure = models.CharField("失败原因", max_length=200, blank=True)
    created_at = models.DateTimeField("产生时间", auto_now_add=True, db_index=True)
    settled_at = models.DateTimeField("结算时间", null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "佣金"
        constraints = [
            models.UniqueConstraint(fields=["order", "sharer"], name="channels_commission_once"),
            models.CheckConstraint(
                condition=Q(reversed_amount__lte=F("amount")), name="channels_reversal_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.sharer_id} {self.amount}"

    @property
    def net(self) -> int:
        return self.amount - self.reversed_amount


class Reversal(models.Model):
    """A refund's share of a commission. Before payment it only lowers what will be paid; after a
    split it is clawed back: by a profit-sharing return from a merchant receiver, else (a person, whom
    WeChat cannot return from) deducted from the sharer's next commissions (`recovered`)."""

    class Status(models.TextChoices):
        BOOKED = "booked", "已冲减"  # nothing had been paid
        RETURNING = "returning", "回退中"
        RETURNED = "returned", "已回退"
        TO_RECOVER = "to_recover", "待抵扣"
        RECOVERED = "recovered", "已抵扣"
        FAILED = "failed", "回退失败"

    commission = models.ForeignKey(
        Commission, verbose_name="佣金", on_delete=models.PROTECT, related_name="reversals"
    )
    ref = models.CharField("退款单号", max_length=64)
    amount = models.PositiveIntegerField("冲销金额")
    status = models.CharField("状态", max_length=16, choices=Status.choices)
    out_return_no = models.CharField("回退单号", max_length=64, unique=True, null=True, blank=True)  # noqa: DJ001
    failure = models.CharField("失败原因", max_length=200, blank=True)
    recovered_by = models.ForeignKey(
        Commission,
        verbose_name="抵扣于",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recoveries",
    )
    created_at = models.DateTimeField("冲销时间", auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "佣金冲销"
        constraints = [models.UniqueConstraint(fields=["commission", "ref"], name="channels_reversal_once")]

    def __str__(self) -> str:
        return f"{self.commission_id}:{self.ref} -{self.amount}"


# --- alliance (优选联盟) -------------------------------------------------------------------------------------
class AllianceItem(models.Model):
    """A product of ours published to the alliance (type 1 普通推广) with a commission ratio (%)."""

    product = models.OneToOneField(
        "catalog.Product", verbose_name="商品", on_delete=models.CASCADE, related_name="+"
    )
    ratio = models.PositiveSmallIntegerField("佣金比例(%)")
    status = models.PositiveSmallIntegerField("联盟状态", default=0)  # §8.5: 1 上架推广, 2 下架, 4 删除 …
    info_id = models.CharField("计划 ID", max_length=64, blank=True)
    result = models.CharField("结果", max_length=200, blank=True)
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "联盟商品"
        constraints = [
            models.CheckConstraint(condition=Q(ratio__gte=1, ratio__lte=90), name="channels_alliance_ratio")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.ratio}%"


class ImportedProduct(models.Model):
    """Another merchant's alliance product picked into the Channels account's window (橱窗)."""

    appid = models.CharField("来源小店", max_length=32)
    product_id = models.CharField("商品 ID", max_length=24)
    title = models.CharField("标题", max_length=120, blank=True)
    price = models.PositiveIntegerField("售价", default=0)
    status = models.PositiveSmallIntegerField("橱窗状态", default=0)
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "联盟带货商品"
        constraints = [models.UniqueConstraint(fields=["appid", "product_id"], name="channels_import_once")]

    def __str__(self) -> str:
        return f"{self.appid}/{self.product_id}"


# --- topic challenges ------------------------------------------------------------------------------------
class TopicChallenge(models.Model):
    topic = models.CharField("话题", max_length=40)  # #挑战话题赛
    coupon = models.ForeignKey(
        "checkout.Coupon", verbose_name="奖励券", on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ("-starts_at", "-id")
        verbose_name = verbose_name_plural = "话题挑战"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="channels_challenge_window")
        ]

    def __str__(self) -> str:
        return self.topic


class ChallengeClaim(models.Model):
    challenge = models.ForeignKey(
        TopicChallenge, verbose_name="挑战", on_delete=models.CASCADE, related_name="claims"
    )
    user = models.ForeignKey("accounts.User", verbose_name="用户", on_delete=models.CASCADE, related_name="+")
    post_id = models.CharField("作品 ID", max_length=128)
    claimed_at = models.DateTimeField("领取时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "挑战奖励领取"
        constraints = [models.UniqueConstraint(fields=["challenge", "user"], name="channels_claim_once")]

    def __str__(self) -> str:
        return f"{self.challenge_id}:{self.user_id}"
