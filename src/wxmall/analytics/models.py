"""Ad spend per campaign and day (entered or imported in the console), campaigns, and the event vocabulary.
Events themselves live in Parquet files (see `store`), never in this database."""

from __future__ import annotations

import re

from django.db import models
from django.db.models import F, Q

from wxmall.core.money import yuan

VARIANT = re.compile(r"[A-Za-z0-9_]{1,16}")


class EventType(models.TextChoices):
    PAGE_VIEW = "page_view", "浏览页面"
    PRODUCT_VIEW = "product_view", "浏览商品"
    ADD_TO_CART = "add_to_cart", "加入购物车"
    CHECKOUT = "checkout", "进入结算"
    PAY = "pay", "发起支付"
    SHARE = "share", "分享"
    COUPON_CLAIM = "coupon_claim", "领取优惠券"
    VIDEO_VIEW = "video_view", "观看视频"
    LIVE_VIEW = "live_view", "观看直播"
    PAGE_LEAVE = "page_leave", "离开页面"  # carries the dwell time
    RECOMMENDATION_VIEW = "rec_view", "看到推荐"  # product_id: the recommended product
    RECOMMENDATION_CLICK = "rec_click", "点击推荐"
    # Server-side only: a batch claiming them is refused.
    ORDER_PLACED = "order_placed", "下单"
    ORDER_PAID = "order_paid", "支付成功"
    EXPOSURE = "exposure", "实验曝光"  # content_id = "<experiment key>:<variant>"


SERVER_ONLY = frozenset({EventType.ORDER_PLACED, EventType.ORDER_PAID, EventType.EXPOSURE})


class AdSpend(models.Model):
    """What a campaign cost on one day, with the ad platform's impressions and clicks (for CTR)."""

    campaign = models.CharField("活动", max_length=64)
    day = models.DateField("日期")
    spend = models.PositiveBigIntegerField("花费")
    impressions = models.PositiveBigIntegerField("曝光", default=0)
    clicks = models.PositiveBigIntegerField("点击", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "广告花费"
        ordering = ["-day", "campaign"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day"], name="ad_spend_one_row_per_campaign_day"),
            models.CheckConstraint(
                condition=Q(clicks__lte=models.F("impressions")) | Q(impressions=0),
                name="ad_spend_clicks_within_impressions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.day}"

    @property
    def spend_yuan(self) -> str:
        return yuan(self.spend)


class ExperimentStatus(models.TextChoices):
    RUNNING = "running", "进行中"
    STOPPED = "stopped", "已停止"  # everyone sees the control (the first variant)
    SHIPPED = "shipped", "已全量"  # everyone sees the winner


class Experiment(models.Model):
    """An A/B test on a landing page or copy: each visitor is assigned a variant by a hash of the key and
    their visitor id (the same answer in every process, for ever), and each assignment shown while the
    test runs is logged as an exposure event. The first variant is the control."""

    key = models.SlugField("标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    variants = models.JSONField("版本", default=list, help_text='例如 ["A", "B"]，第一个为对照组')
    status = models.CharField(
        "状态", max_length=16, choices=ExperimentStatus.choices, default=ExperimentStatus.RUNNING
    )
    winner = models.CharField("全量版本", max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "A/B 实验"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="shipped", winner__gt="") | (~Q(status="shipped") & Q(winner="")),
                name="experiment_winner_iff_shipped",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not (
            isinstance(self.variants, list)
            and 2 <= len(self.variants) <= 4
            and all(isinstance(v, str) and VARIANT.fullmatch(v) for v in self.variants)
            and len(set(self.variants)) == len(self.variants)
        ):
            raise ValidationError({"variants": "应为 2 至 4 个不同的版本名（字母、数字、下划线，最长 16）"})


class RolloutSegment(models.TextChoices):
    EVERYONE = "everyone", "所有访客"
    CUSTOMERS = "customers", "已登录顾客"
    NEW_CUSTOMERS = "new_customers", "未下过单的顾客"
    STAFF = "staff", "员工"


class Rollout(models.Model):
    """A grey release (灰度发布): a feature on for `percent`% of a segment, by the same hash as the A/B
    tests (a customer by their id, an anonymous visitor by the visitor id), so widening from 10% to 30%
    keeps the first 10% in. 0% is rolled back, 100% fully released."""

    key = models.SlugField("标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    segment = models.CharField(
        "人群", max_length=16, choices=RolloutSegment.choices, default=RolloutSegment.EVERYONE
    )
    percent = models.PositiveSmallIntegerField("比例(%)", default=0)
    # Customer ids who see the feature whatever the percentage and segment (testers before a release).
    allowlist = models.CharField("白名单（顾客 ID）", max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "灰度发布"
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="rollout_percent_at_most_100")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.percent}%"


class Alert(models.Model):
    """A success rate below its threshold (a WeChat API or an outbox destination), open until it
    recovers. At most one open alert per subject (the partial unique constraint), so a check that runs
    every minute raises it once."""

    subject = models.CharField("对象", max_length=100)  # "wechat_api:<api>" or "outbox:<destination>"
    success_rate = models.FloatField("成功率")
    calls = models.PositiveIntegerField("调用次数")
    raised_at = models.DateTimeField("告警时间", auto_now_add=True)
    resolved_at = models.DateTimeField("恢复时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "稳定性告警"
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"], condition=Q(resolved_at__isnull=True), name="one_open_alert_per_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.success_rate:.1%}"


class Recommendation(models.Model):
    """ "Bought together": `recommended` was in `support` paid orders with `product`, refreshed by a
    scheduled job (`recommendations.refresh`), at most RECOMMENDATIONS_PER_PRODUCT per product."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    recommended = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    support = models.PositiveIntegerField("共同购买订单数")
    rank = models.PositiveSmallIntegerField("排序")

    class Meta:
        verbose_name = verbose_name_plural = "商品推荐"
        ordering = ["product", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["product", "recommended"], name="one_recommendation_per_pair"),
            models.CheckConstraint(
                condition=~Q(product=models.F("recommended")), name="recommend_another_product"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} → {self.recommended_id}"


class Campaign(models.Model):
    """A marketing campaign (营销活动): groups tracked links, coupons, A/B tests and topic challenges (a
    challenge campaign: a coupon granted once per customer on the tracked action of claiming), with its dates, budget
    and notes. `code` is the campaign value its links carry (`Link.campaign`) and its ad spend is entered
    under (`AdSpend.campaign`), so the dashboards' per-campaign figures need no extra join and links made
    by code (group buying, referrals) keep working. The code cannot change once created."""

    code = models.CharField("活动标识", max_length=64, unique=True)
    name = models.CharField("名称", max_length=60)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    budget = models.PositiveBigIntegerField("预算(分)", default=0)
    notes = models.TextField("备注", max_length=1000, blank=True)
    coupons = models.ManyToManyField("checkout.Coupon", blank=True, related_name="+", verbose_name="优惠券")
    experiments = models.ManyToManyField(
        Experiment, blank=True, related_name="campaigns", verbose_name="A/B 实验"
    )
    # Challenge campaigns (挑战赛): participants claim the challenge's reward coupon in the store.
    challenges = models.ManyToManyField(
        "channels.TopicChallenge", blank=True, related_name="campaigns", verbose_name="话题挑战"
    )
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "营销活动"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def budget_yuan(self) -> str:
        return yuan(self.budget)


class ArticleDay(models.Model):
    """One Official Account article's figures on one day, as WeChat's datacube reports them
    (getarticlesummary), pulled by a scheduled job. `msgid` is WeChat's "<msg_data_id>_<index>"; a tracked
    link with channel "article" and this msgid as its content id ties the article's reads to its jumps and
    orders. Pulling a day again overwrites it (the unique row per article and day)."""

    msgid = models.CharField("文章 msgid", max_length=64)
    title = models.CharField("标题", max_length=120)
    day = models.DateField("日期")
    read_users = models.PositiveIntegerField("阅读人数", default=0)
    reads = models.PositiveIntegerField("阅读次数", default=0)
    share_users = models.PositiveIntegerField("分享人数", default=0)
    shares = models.PositiveIntegerField("分享次数", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "公众号文章数据"
        ordering = ["-day", "msgid"]
        constraints = [
            models.UniqueConstraint(fields=["msgid", "day"], name="article_day_one_row_per_article_day")
        ]

    def __str__(self) -> str:
        return f"{self.msgid} {self.day}"
