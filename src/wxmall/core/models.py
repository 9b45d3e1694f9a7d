"""The transactional outbox: work that must reach another system, written in the same transaction as
the business change that causes it, then delivered at least once by the relay (`core/relay.py`).

Three tables:
- `OutboxMessage`: one row per thing to deliver, with its retry state and a lease for claiming;
- `DeliveryAttempt`: one row per try, so the console can show success rate and latency per destination;
- `CircuitBreaker`: one row per destination, so a destination that is down is left alone for a while.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待投递"
    DELIVERED = "delivered", "已投递"
    DEAD = "dead", "死信"
    DISCARDED = "discarded", "已丢弃"


class OutboxMessage(models.Model):
    destination = models.CharField("目标", max_length=64)
    kind = models.CharField("事件类型", max_length=64)
    payload = models.JSONField("内容", default=dict)
    # Sent as the `Idempotency-Key` header: the receiver uses it to drop redeliveries.
    idempotency_key = models.CharField("幂等键", max_length=200, unique=True)
    status = models.CharField(
        "状态", max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", default=timezone.now)
    # A relay owns a row while `leased_until` is in the future and `lease_token` is its token. Every
    # write-back is guarded by the token, so a relay whose lease ran out cannot overwrite a newer result.
    lease_token = models.CharField("租约", max_length=32, blank=True)
    leased_until = models.DateTimeField("租约到期", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    # What the handler returned on success (e.g. the refund id or msgid the other system assigned).
    result = models.JSONField("处理结果", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    delivered_at = models.DateTimeField("投递时间", null=True, blank=True)
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="丢弃人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    discarded_at = models.DateTimeField("丢弃时间", null=True, blank=True)
    discard_reason = models.TextField("丢弃原因", blank=True)

    class Meta:
        verbose_name = "外发消息"
        verbose_name_plural = "外发消息"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["destination", "status"], name="outbox_dest_status_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.destination} {self.kind} ({self.get_status_display()})"


class DeliveryAttempt(models.Model):
    message = models.ForeignKey(
        OutboxMessage, verbose_name="消息", on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    destination = models.CharField("目标", max_length=64)  # copied so stats never need the join
    ok = models.BooleanField("成功")
    latency_ms = models.PositiveIntegerField("耗时(毫秒)")
    error = models.TextField("错误", blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "投递记录"
        verbose_name_plural = "投递记录"
        indexes = [models.Index(fields=["destination", "at"], name="attempt_dest_at_idx")]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.destination} {'ok' if self.ok else 'failed'} {self.latency_ms}ms"


class BreakerState(models.TextChoices):
    CLOSED = "closed", "正常"
    OPEN = "open", "熔断"
    HALF_OPEN = "half_open", "试探"


class CircuitBreaker(models.Model):
    """Per-destination breaker. `opened_until` is the end of the cool-down while open, and the deadline
    of the single trial delivery while half-open (a relay that dies mid-trial does not wedge it)."""

    destination = models.CharField("目标", max_length=64, unique=True)
    state = models.CharField("状态", max_length=16, choices=BreakerState.choices, default=BreakerState.CLOSED)
    consecutive_failures = models.PositiveIntegerField("连续失败次数", default=0)
    opened_until = models.DateTimeField("熔断至", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "熔断器"
        verbose_name_plural = "熔断器"

    def __str__(self) -> str:
        return f"{self.destination}: {self.get_state_display()}"


class OutboxAuditEntry(models.Model):
    """Who replayed or discarded which message, when and why: manual compensation leaves a trail."""

    class Action(models.TextChoices):
        REPLAY = "replay", "重放"
        DISCARD = "discard", "丢弃"

    message = models.ForeignKey(
        OutboxMessage, verbose_name="消息", on_delete=models.CASCADE, related_name="audit_entries"
    )
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField("原状态", max_length=16, choices=OutboxStatus.choices)
    reason = models.TextField("原因", blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "人工处理记录"
        verbose_name_plural = "人工处理记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.message_id}"
