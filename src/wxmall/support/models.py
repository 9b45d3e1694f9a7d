"""Customer service: the FAQ the merchant maintains (what the bot answers from)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FaqEntry(models.Model):
    """One answer and the ways customers ask for it. The bot ranks questions against `question` and every
    line of `variants`; `intent` is a stable name for reports and tests (e.g. ``shipping_time``)."""

    intent = models.SlugField("意图标识", max_length=64, unique=True)
    question = models.CharField("标准问题", max_length=200)
    variants = models.TextField("相似问法", blank=True, help_text="每行一个问法")
    answer = models.TextField("答案", max_length=2000)
    tags = models.JSONField("标签", default=list, blank=True)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "常见问题"
        ordering = ["intent"]

    def __str__(self) -> str:
        return self.question

    def phrasings(self) -> list[str]:
        return [self.question, *(line.strip() for line in self.variants.splitlines() if line.strip())]


class FaqIndexVersion(models.Model):
    """A single row that moves with every FAQ change (in the same transaction): each process keeps its
    ranking index for one stamp and rebuilds it when the stamp changes. The stamp is random, not the
    counter, so a bump inside a rolled-back transaction can never name a later, different FAQ."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveBigIntegerField(default=0)
    stamp = models.CharField(max_length=32, default="initial")

    class Meta:
        verbose_name = verbose_name_plural = "FAQ 索引版本"

    def __str__(self) -> str:
        return f"v{self.version}"


class ConversationState(models.TextChoices):
    BOT = "bot", "智能客服"
    WAITING = "waiting", "等待人工"
    AGENT = "agent", "人工接待中"
    WECOM = "wecom", "已转企业微信客服"
    CLOSED = "closed", "已关闭"


class Conversation(models.Model):
    """One per Official Account user: what they wrote, what the bot and agents answered, and who has it."""

    appid = models.CharField("公众号 AppID", max_length=32)
    openid = models.CharField("OpenID", max_length=64)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="顾客",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_conversations",
    )
    state = models.CharField("状态", max_length=16, choices=ConversationState.choices, default="bot")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接待客服",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_assigned",
    )
    last_customer_message_at = models.DateTimeField("顾客最后发言", null=True, blank=True)
    # WeCom 微信客服 hand-off: the kf account and the customer's external_userid once they enter the chat.
    wecom_open_kfid = models.CharField("微信客服账号", max_length=64, blank=True)
    wecom_external_userid = models.CharField("微信客服客户 ID", max_length=64, blank=True, db_index=True)
    wecom_service_state = models.PositiveSmallIntegerField("微信客服会话状态", null=True, blank=True)
    wecom_servicer = models.CharField("微信客服接待人员", max_length=64, blank=True)
    wecom_token = models.CharField("转接令牌", max_length=32, blank=True, db_index=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "客服会话"
        constraints = [
            models.UniqueConstraint(fields=["appid", "openid"], name="support_conversation_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.openid} ({self.get_state_display()})"


class Message(models.Model):
    class Source(models.TextChoices):
        CUSTOMER = "customer", "顾客"
        BOT = "bot", "智能客服"
        AGENT = "agent", "人工客服"
        SYSTEM = "system", "系统"
        WECOM_AGENT = "wecom_agent", "企业微信客服"
        WECOM_CUSTOMER = "wecom_customer", "顾客（微信客服）"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    text = models.TextField("内容", max_length=2048)
    intent = models.CharField("意图", max_length=80, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    wx_msg_id = models.BigIntegerField("MsgId", null=True, blank=True)
    wecom_msgid = models.CharField("微信客服 msgid", max_length=128, blank=True)
    outbox = models.ForeignKey(
        "core.OutboxMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "客服消息"
        ordering = ["id"]
        constraints = [
            # A pushed message re-sent by WeChat (same MsgId) or pulled twice from sync_msg is stored once.
            models.UniqueConstraint(
                fields=["conversation", "wx_msg_id"],
                condition=models.Q(wx_msg_id__isnull=False),
                name="support_message_once_per_msgid",
            ),
            models.UniqueConstraint(
                fields=["conversation", "wecom_msgid"],
                condition=~models.Q(wecom_msgid=""),
                name="support_message_once_per_wecom_msgid",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class Handoff(models.Model):
    """One time the conversation went to people: when, why, how fast someone answered, how it ended."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="handoffs")
    reason = models.CharField("原因", max_length=32)
    created_at = models.DateTimeField("转人工时间", auto_now_add=True, db_index=True)
    first_response_at = models.DateTimeField("首次回复时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    resolved = models.BooleanField("已解决", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "转人工记录"
        constraints = [
            # At most one open hand-off per conversation.
            models.UniqueConstraint(
                fields=["conversation"],
                condition=models.Q(closed_at__isnull=True),
                name="support_one_open_handoff",
            )
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}:{self.reason}"


class WecomCursor(models.Model):
    """Where sync_msg left off, per kf account (the pull holds this row's lock)."""

    open_kfid = models.CharField(max_length=64, primary_key=True)
    cursor = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "微信客服拉取进度"

    def __str__(self) -> str:
        return self.open_kfid


class WecomCallback(models.Model):
    """A verified kf_msg_or_event callback, stored as received (decrypted XML) before it is acted on."""

    raw = models.TextField()
    event_token = models.CharField(max_length=128, blank=True)
    open_kfid = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "微信客服回调"
        constraints = [  # each callback carries its own Token: a re-sent one is stored once
            models.UniqueConstraint(
                fields=["event_token"],
                condition=~models.Q(event_token=""),
                name="support_wecom_callback_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.open_kfid}@{self.received_at:%H:%M:%S}"
