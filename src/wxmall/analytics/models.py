"""Ad spend per campaign and day (entered or imported in the console), and the event vocabulary.
Events themselves live in Parquet files (see `store`), never in this database."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from wxmall.core.money import yuan


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
    # Server-side only: a batch claiming them is refused.
    ORDER_PLACED = "order_placed", "下单"
    ORDER_PAID = "order_paid", "支付成功"


SERVER_ONLY = frozenset({EventType.ORDER_PLACED, EventType.ORDER_PAID})


class AdSpend(models.Model):
    """What a campaign cost on one day, with the ad platform's impressions and clicks (for CTR)."""

    campaign = models.CharField("活动", max_length=64)
    day = models.DateField("日期")
    spend = models.PositiveBigIntegerField("花费(分)")
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
