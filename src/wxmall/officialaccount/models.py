"""What the Official Account side stores: every push as received (raw, deduplicated), its followers and
their history."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class InboundMessage(models.Model):
    """One push from WeChat, stored before anything acts on it. WeChat re-sends a push it got no answer
    to within 5 s; the unique (appid, dedupe_key) makes the re-send a no-op (reference §2.6)."""

    appid = models.CharField(max_length=32)
    dedupe_key = models.CharField(max_length=160)
    openid = models.CharField(max_length=64, db_index=True)
    msg_type = models.CharField(max_length=32)
    event = models.CharField(max_length=64, blank=True)
    event_key = models.CharField(max_length=1024, blank=True)
    msg_id = models.BigIntegerField(null=True, blank=True)
    content = models.TextField(blank=True)  # the text of a text message
    create_time = models.BigIntegerField()  # WeChat's CreateTime (Unix seconds)
    mode = models.CharField(max_length=16)  # plain | compatible | safe
    raw = models.TextField()  # the (decrypted) message XML exactly as received
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    reply = models.TextField(blank=True)  # the passive reply XML (before encryption), "" = success
    processed_at = models.DateTimeField(null=True, blank=True)
    process_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "公众号消息"
        verbose_name_plural = "公众号消息"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["appid", "dedupe_key"], name="oa_inbound_once"),
        ]
        indexes = [models.Index(fields=["processed_at", "id"], name="oa_inbound_pending")]

    def __str__(self) -> str:
        return f"{self.msg_type}:{self.event or self.msg_id} {self.openid}"


class FollowerTag(models.Model):
    """A follower tag (WeChat's user tags): `wechat_id` is WeChat's id once the tag exists there."""

    name = models.CharField("标签名", max_length=30, unique=True)
    wechat_id = models.PositiveIntegerField("微信标签 ID", null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "粉丝标签"
        verbose_name_plural = "粉丝标签"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Follower(models.Model):
    """A user of the Official Account as the hub knows them from pushes (and the tags sync)."""

    appid = models.CharField(max_length=32)
    openid = models.CharField(max_length=64)
    subscribed = models.BooleanField(default=False)
    first_subscribed_at = models.DateTimeField(null=True, blank=True)
    last_subscribed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    last_interaction_at = models.DateTimeField(null=True, blank=True)
    # The first scene-QR code that brought this follower (attribution), kept once set.
    first_scene = models.CharField(max_length=64, blank=True)
    customer = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="oa_followers"
    )
    tags = models.ManyToManyField(FollowerTag, blank=True, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "公众号粉丝"
        verbose_name_plural = "公众号粉丝"
        constraints = [models.UniqueConstraint(fields=["appid", "openid"], name="oa_follower_once")]

    def __str__(self) -> str:
        return self.openid


class FollowerTagRemoval(models.Model):
    """A tag taken off a follower here and not yet off them on WeChat: the tags sync sends it first, so the
    union it computes afterwards does not bring the tag back."""

    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(FollowerTag, on_delete=models.CASCADE, related_name="+")
    removed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "待同步的移除标签"
        constraints = [models.UniqueConstraint(fields=["follower", "tag"], name="oa_tag_removal_once")]

    def __str__(self) -> str:
        return f"{self.follower_id} − {self.tag_id}"


class FollowerEvent(models.Model):
    """The audit trail of a follower (events.py writes it)."""

    class Kind(models.TextChoices):
        SUBSCRIBED = "subscribed", "关注"
        UNSUBSCRIBED = "unsubscribed", "取消关注"
        SCANNED = "scanned", "扫码"
        CLICKED = "clicked", "点击菜单"
        TAGGED = "tagged", "打标签"
        UNTAGGED = "untagged", "移除标签"
        JOINED = "joined", "入会"

    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    detail = models.CharField(max_length=200, blank=True)
    inbound = models.ForeignKey(InboundMessage, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "粉丝事件"
        verbose_name_plural = "粉丝事件"
        ordering = ["-at", "-id"]
        constraints = [
            # one event per kind per push: reprocessing a push writes nothing new
            models.UniqueConstraint(fields=["inbound", "kind"], name="oa_follower_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.detail}"


class ReplyRule(models.Model):
    """An automatic reply: to texts matching a keyword (exact, contains, regex) or to a new follower.
    Rules are tried by `priority` (smaller first), then id; the first match answers."""

    class Trigger(models.TextChoices):
        KEYWORD = "keyword", "关键词回复"
        SUBSCRIBE = "subscribe", "关注欢迎语"

    class Match(models.TextChoices):
        EXACT = "exact", "完全匹配"
        CONTAINS = "contains", "包含"
        REGEX = "regex", "正则表达式"

    class ReplyType(models.TextChoices):
        TEXT = "text", "文本"
        NEWS = "news", "图文"
        LINK = "link", "链接"

    name = models.CharField("规则名称", max_length=60)
    trigger = models.CharField("触发方式", max_length=16, choices=Trigger.choices, default=Trigger.KEYWORD)
    match = models.CharField("匹配方式", max_length=16, choices=Match.choices, default=Match.EXACT)
    pattern = models.CharField("关键词", max_length=200, blank=True)
    reply_type = models.CharField(
        "回复类型", max_length=16, choices=ReplyType.choices, default=ReplyType.TEXT
    )
    text = models.TextField("回复文本", max_length=600, blank=True)
    title = models.CharField("标题", max_length=64, blank=True)
    description = models.CharField("摘要", max_length=120, blank=True)
    url = models.URLField("链接", max_length=1024, blank=True)
    pic_url = models.URLField("图片链接", max_length=1024, blank=True)
    priority = models.PositiveIntegerField("优先级（小者优先）", default=100)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "自动回复规则"
        verbose_name_plural = "自动回复规则"
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class SceneCode(models.Model):
    """A parametrised QR code of the Official Account (reference §4.5): a store's counter card or a poster.
    Following or scanning through it tags the follower and attributes them to it."""

    class Kind(models.TextChoices):
        STORE = "store", "门店码"
        POSTER = "poster", "海报码"

    scene = models.CharField("场景值", max_length=64, unique=True)
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.POSTER)
    tag = models.ForeignKey(
        FollowerTag, verbose_name="扫码打标签", null=True, blank=True, on_delete=models.SET_NULL
    )
    ticket = models.CharField(max_length=256, blank=True)
    url = models.URLField(max_length=256, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "场景二维码"
        verbose_name_plural = "场景二维码"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.scene}）"


class Attribution(models.Model):
    """Which scene code brought a follower, per follow or scan (first-touch is Follower.first_scene)."""

    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="attributions")
    code = models.ForeignKey(SceneCode, null=True, blank=True, on_delete=models.SET_NULL)
    scene = models.CharField(max_length=64)
    subscribed = models.BooleanField(default=False)  # the scan was the follow itself
    inbound = models.OneToOneField(InboundMessage, on_delete=models.CASCADE)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "扫码归因"
        verbose_name_plural = "扫码归因"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.scene


class MenuVersion(models.Model):
    """A custom menu as published from the console: the exact body sent to /cgi-bin/menu/create and the
    editor's form data (so the next edit starts from it). Publishing is an outbox row written with it,
    once compliance has cleared its button names (`names`, one per line: the copy the review queue
    judges); names with a warning hold the version until a reviewer approves it."""

    menu = models.JSONField()
    form_data = models.JSONField()
    names = models.TextField("菜单名称", blank=True, default="", editable=False)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "自定义菜单版本"
        verbose_name_plural = "自定义菜单版本"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"菜单 #{self.pk}"


class Notification(models.Model):
    """An order notification to its customer: an OA template message, or a Mini Program subscribe
    message for a customer known only there. One per (order, kind): a replayed transition sends nothing."""

    class Kind(models.TextChoices):
        PAID = "paid", "支付成功"
        SHIPPED = "shipped", "已发货"
        REFUNDED = "refunded", "已退款"

    class Channel(models.TextChoices):
        OA_TEMPLATE = "oa_template", "公众号模板消息"
        MP_SUBSCRIBE = "mp_subscribe", "小程序订阅消息"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        SENT = "sent", "已发送"
        REFUSED = "refused", "用户拒收"
        UNSUBSCRIBED = "unsubscribed", "用户未关注"
        QUOTA = "quota", "超出额度"
        FAILED = "failed", "发送失败"

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    openid = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    errcode = models.IntegerField(null=True, blank=True)
    msgid = models.BigIntegerField(null=True, blank=True, db_index=True)
    job_status = models.CharField("送达结果", max_length=64, blank=True)  # TEMPLATESENDJOBFINISH Status
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "订单通知"
        verbose_name_plural = "订单通知"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="oa_notification_once")]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.kind}"


class SendCounter(models.Model):
    """Notifications sent per window (a day, a minute), counted with a guarded UPDATE so concurrent relays
    never overshoot the limit."""

    window = models.CharField(max_length=32, unique=True)  # "day:2026-12-02", "minute:2026-12-02T09:15"
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "通知发送计数"
        verbose_name_plural = "通知发送计数"

    def __str__(self) -> str:
        return f"{self.window}={self.count}"
