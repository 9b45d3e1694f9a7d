"""Tracked links, their clicks and per-visitor touches."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Link(models.Model):
    """A short link `/l/<code>` that records the click and redirects to `target_url`. A Mini Program
    entry (appid + pagepath) keeps `target_url` as the fallback for browsers that cannot open it."""

    code = models.CharField("短码", max_length=16, unique=True)
    name = models.CharField("名称", max_length=60, blank=True)
    target_url = models.URLField("跳转地址", max_length=1024)
    mp_appid = models.CharField("小程序 AppID", max_length=32, blank=True)
    mp_pagepath = models.CharField("小程序页面", max_length=256, blank=True)
    campaign = models.CharField("活动", max_length=64, blank=True, db_index=True)
    channel = models.CharField("渠道", max_length=32, blank=True, db_index=True)  # oa_menu, article, poster…
    content_id = models.CharField(
        "内容 ID",
        max_length=64,
        blank=True,
        help_text="视频、直播场次的 ID；公众号文章填文章的 msgid（如 2247483650_1），数据分析据此把阅读数与跳转、订单对上",
    )  # article / video / live id
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "推广链接"
        verbose_name_plural = "推广链接"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} → {self.target_url}"


class Click(models.Model):
    """One redirect. Written in batches from the click buffer; `click_id` makes a re-flushed batch a no-op."""

    click_id = models.CharField(max_length=32, unique=True)
    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="clicks")
    visitor = models.CharField(max_length=32, db_index=True)
    at = models.DateTimeField(db_index=True)
    in_wechat = models.BooleanField(default=False)
    user_agent = models.CharField(max_length=200, blank=True)
    referer = models.CharField(max_length=300, blank=True)
    # "<param>:<value>" of a Moments ad's click id that came with the click (for matching ad reports).
    ad_click_id = models.CharField(max_length=140, blank=True)

    class Meta:
        verbose_name = "链接点击"
        verbose_name_plural = "链接点击"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.link_id}@{self.at:%Y-%m-%d %H:%M:%S}"


class VisitorTouch(models.Model):
    """A visitor's (the `wxv` cookie's) first and last tracked link: first-/last-touch attribution."""

    visitor = models.CharField(max_length=32, unique=True)
    first_link = models.ForeignKey(Link, on_delete=models.SET_NULL, null=True, related_name="+")
    first_at = models.DateTimeField()
    last_link = models.ForeignKey(Link, on_delete=models.SET_NULL, null=True, related_name="+")
    last_at = models.DateTimeField()
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "访客触点"
        verbose_name_plural = "访客触点"

    def __str__(self) -> str:
        return self.visitor


class CustomerTouch(models.Model):
    """The signed touch cookie last seen with a signed-in customer (written by the event ingest), so an
    order placed by that customer can be attributed without the request that placed it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    visitor = models.CharField(max_length=32)
    first_link = models.ForeignKey(Link, on_delete=models.SET_NULL, null=True, related_name="+")
    last_link = models.ForeignKey(Link, on_delete=models.SET_NULL, null=True, related_name="+")
    last_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "顾客触点"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.visitor}"


class OrderTouch(models.Model):
    """First- and last-touch attribution of one order, fixed when it is placed."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="touch")
    visitor = models.CharField(max_length=32, blank=True)
    first_link = models.ForeignKey(Link, on_delete=models.SET_NULL, null=True, related_name="+")
    last_link = models.ForeignKey(Link, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "订单归因"

    def __str__(self) -> str:
        return f"{self.order_id}: {self.first_link_id} → {self.last_link_id}"


class MpEntry(models.Model):
    """A URL Link or URL Scheme WeChat generated for a link (kept so staff can query its state later)."""

    class Kind(models.TextChoices):
        URL_LINK = "urllink", "URL Link"
        SCHEME = "scheme", "URL Scheme"

    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="mp_entries")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    url = models.CharField(max_length=256, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "小程序链接"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url
