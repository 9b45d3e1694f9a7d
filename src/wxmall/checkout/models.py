"""Cart, coupons and flash sales. Amounts are integer fen.

Counters that many buyers race on (`Coupon.used_count`, `FlashSale.sold`) only change through guarded
UPDATEs in `checkout.actions` (`... WHERE used_count < total_quota`), and check constraints make an
overshoot impossible even for code that forgets to guard."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class CartLine(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="cart_lines"
    )
    sku = models.ForeignKey("catalog.SKU", verbose_name="SKU", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField("数量")
    created_at = models.DateTimeField("加入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "购物车商品"
        constraints = [
            models.UniqueConstraint(fields=["user", "sku"], name="cartline_one_per_user_sku"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cartline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity}"


class CouponKind(models.TextChoices):
    AMOUNT_OFF = "amount_off", "满减券"
    PERCENT_OFF = "percent_off", "折扣券"


class CouponAudience(models.TextChoices):
    PUBLIC = "public", "凭券码使用"
    GRANTED = "granted", "仅限已领取的顾客"


class Coupon(models.Model):
    """A code a customer types (or picks) at checkout. `value` is fen for amount_off and the percentage
    taken off for percent_off (15 = 15% off, i.e. 八五折). `threshold` is the minimum goods subtotal.

    A `granted` coupon is usable only by customers holding a `CouponGrant` (issued to a segment, given to
    new customers, or claimed on its claim page, which `claim_quota` limits)."""

    code = models.CharField("券码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=16, choices=CouponKind.choices)
    value = models.PositiveIntegerField("面额或折扣")
    threshold = models.PositiveIntegerField("使用门槛", default=0)
    starts_at = models.DateTimeField("生效时间")
    ends_at = models.DateTimeField("失效时间")
    total_quota = models.PositiveIntegerField("发放总量", null=True, blank=True, help_text="留空表示不限量")
    used_count = models.PositiveIntegerField("已使用", default=0)
    per_user_limit = models.PositiveIntegerField("每人限用", default=1)
    is_active = models.BooleanField("启用", default=True)
    audience = models.CharField(
        "使用范围", max_length=16, choices=CouponAudience.choices, default=CouponAudience.PUBLIC
    )
    for_new_customers = models.BooleanField("新客自动发放", default=False)
    claim_token = models.CharField("领券链接标识", max_length=32, unique=True, null=True, blank=True)  # noqa: DJ001
    claim_quota = models.PositiveIntegerField(
        "可领取数量", null=True, blank=True, help_text="留空表示不开放领取"
    )
    claimed_count = models.PositiveIntegerField("已领取", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ("-id",)
        verbose_name = verbose_name_plural = "优惠券"
        constraints = [
            models.CheckConstraint(
                condition=Q(claim_quota__isnull=True) | Q(claimed_count__lte=F("claim_quota")),
                name="coupon_claimed_within_quota",
            ),
            models.CheckConstraint(
                condition=Q(total_quota__isnull=True) | Q(used_count__lte=F("total_quota")),
                name="coupon_used_within_quota",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="coupon_window_valid"),
            models.CheckConstraint(
                condition=Q(kind="amount_off", value__gte=1)
                | Q(kind="percent_off", value__gte=1, value__lte=99),
                name="coupon_value_valid",
            ),
            models.CheckConstraint(condition=Q(per_user_limit__gte=1), name="coupon_per_user_limit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()  # codes are typed by customers: compare case-insensitively
        super().save(*args, **kwargs)

    @property
    def describe(self) -> str:
        """Human wording of the deal, e.g. 满 99 减 20 / 满 500 享 9 折."""
        from wxmall.core.money import yuan

        threshold = f"满 {yuan(self.threshold)} 元" if self.threshold else "无门槛"
        if self.kind == CouponKind.AMOUNT_OFF:
            return f"{threshold}减 {yuan(self.value)} 元"
        return f"{threshold}享 {(100 - self.value) / 10:g} 折"


class CouponRedemption(models.Model):
    """One use of a coupon by one order. Deleted again when the order is cancelled, which gives the use
    back (the per-user limit counts these rows)."""

    coupon = models.ForeignKey(
        Coupon, verbose_name="优惠券", on_delete=models.PROTECT, related_name="redemptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="+"
    )
    order = models.OneToOneField(
        "orders.Order", verbose_name="订单", on_delete=models.CASCADE, related_name="coupon_redemption"
    )
    discount = models.PositiveIntegerField("优惠金额")
    created_at = models.DateTimeField("使用时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "优惠券使用记录"
        indexes = [models.Index(fields=["coupon", "user"])]

    def __str__(self) -> str:
        return f"{self.coupon_id} → {self.order_id}"


class GrantSource(models.TextChoices):
    SEGMENT = "segment", "按分群发放"
    NEW_CUSTOMER = "new_customer", "新客礼"
    CLAIM = "claim", "顾客领取"
    REFERRAL = "referral", "邀请有礼"


class CouponGrant(models.Model):
    """A coupon held by one customer: at most one per (coupon, customer), whichever way it came."""

    coupon = models.ForeignKey(Coupon, verbose_name="优惠券", on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="顾客", on_delete=models.CASCADE, related_name="coupon_grants"
    )
    source = models.CharField("来源", max_length=16, choices=GrantSource.choices)
    ref = models.CharField("关联", max_length=64, blank=True)  # e.g. "campaign:12"
    created_at = models.DateTimeField("发放时间", auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "优惠券发放记录"
        constraints = [models.UniqueConstraint(fields=["coupon", "user"], name="coupongrant_once_per_user")]

    def __str__(self) -> str:
        return f"{self.coupon_id} → {self.user_id}"


class FlashSale(models.Model):
    """A limited number of units of one SKU at a special price during a time window."""

    sku = models.ForeignKey(
        "catalog.SKU", verbose_name="SKU", on_delete=models.PROTECT, related_name="flash_sales"
    )
    title = models.CharField("活动名称", max_length=64)
    price = models.PositiveIntegerField("秒杀价")
    quota = models.PositiveIntegerField("活动库存")
    sold = models.PositiveIntegerField("已售", default=0)
    per_user_limit = models.PositiveIntegerField("每人限购", default=1)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ("starts_at", "id")
        verbose_name = verbose_name_plural = "限时秒杀"
        constraints = [
            models.CheckConstraint(condition=Q(sold__lte=F("quota")), name="flashsale_sold_within_quota"),
            models.CheckConstraint(condition=Q(price__gt=0), name="flashsale_price_positive"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="flashsale_window_valid"),
            models.CheckConstraint(
                condition=Q(per_user_limit__gte=1), name="flashsale_per_user_limit_positive"
            ),
        ]
        indexes = [models.Index(fields=["is_active", "ends_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def remaining(self) -> int:
        return max(self.quota - self.sold, 0)


class FlashSalePurchase(models.Model):
    """Units of a flash sale bought by one order; the per-user limit sums these. Deleted when the order is
    cancelled, together with giving the units back to `FlashSale.sold`."""

    flash_sale = models.ForeignKey(
        FlashSale, verbose_name="秒杀活动", on_delete=models.PROTECT, related_name="purchases"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="+"
    )
    order = models.OneToOneField(
        "orders.Order", verbose_name="订单", on_delete=models.CASCADE, related_name="flash_sale_purchase"
    )
    quantity = models.PositiveIntegerField("数量")
    created_at = models.DateTimeField("购买时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "秒杀购买记录"
        indexes = [models.Index(fields=["flash_sale", "user"])]

    def __str__(self) -> str:
        return f"{self.flash_sale_id} × {self.quantity} → {self.order_id}"
