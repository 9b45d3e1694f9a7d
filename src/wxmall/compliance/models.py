from django.db import models


class MerchantTerm(models.Model):
    """A word the merchant forbids or wants reviewed, beyond the built-in lexicons (editable in admin)."""

    class Severity(models.TextChoices):
        BLOCK = "block", "禁止"
        WARN = "warn", "警告"

    term = models.CharField("词语", max_length=64, unique=True)
    severity = models.CharField("级别", max_length=8, choices=Severity.choices, default=Severity.BLOCK)
    suggestion = models.CharField("建议写法", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "商家自定义词"
        ordering = ("term",)

    def __str__(self) -> str:
        return self.term
