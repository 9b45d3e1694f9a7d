"""Customer service: the FAQ the merchant maintains (what the bot answers from)."""

from __future__ import annotations

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
