from django.contrib.auth.models import AbstractUser
from django.db import models

from wxmall.core.fields import EncryptedTextField


class User(AbstractUser):
    """Customers and staff alike. WeChat identities (appid, openid, unionid) hang off this model in
    their own table when WeChat login lands; a customer may own several of them."""

    nickname = models.CharField("昵称", max_length=64, blank=True)
    avatar_url = models.URLField("头像", blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

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

    class Meta:
        verbose_name = verbose_name_plural = "微信身份"
        constraints = [
            models.UniqueConstraint(fields=["appid", "openid"], name="wechat_identity_unique_app_openid"),
        ]
        indexes = [models.Index(fields=["user", "appid"], name="wechat_identity_user_app")]

    def __str__(self) -> str:
        return f"{self.appid}:{self.openid}"
