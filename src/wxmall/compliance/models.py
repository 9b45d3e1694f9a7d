from django.conf import settings
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


class ReviewStatus(models.TextChoices):
    CHECKING = "checking", "外部检测中"
    PENDING = "pending", "待人工审核"
    CLEARED = "cleared", "自动通过"
    APPROVED = "approved", "人工通过"
    REJECTED = "rejected", "已驳回"
    BLOCKED = "blocked", "禁止发布"


PUBLISHABLE = frozenset({ReviewStatus.CLEARED, ReviewStatus.APPROVED})


class ReviewItem(models.Model):
    """The review state of one object's copy (a product's title/subtitle/description, a coupon name…).
    `digest` pins the verdict to exactly the copy it judged: changed copy is judged again."""

    subject = models.CharField("对象类型", max_length=64)  # app_label.modelname (subjects.SUBJECTS)
    object_id = models.CharField("对象 ID", max_length=64)
    title = models.CharField("名称", max_length=200)
    copy = models.JSONField("文案", default=dict)  # {field: text}
    digest = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=16, choices=ReviewStatus.choices)
    hits = models.JSONField(
        "命中", default=list
    )  # [{field, start, end, text, term, rule, severity, suggestion}]
    external = models.JSONField("外部检测", default=list)  # [External.as_json()]
    reason = models.CharField("驳回理由", max_length=500, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "文案审核"
        ordering = ("-updated_at",)
        constraints = [models.UniqueConstraint(fields=("subject", "object_id"), name="compliance_review_one")]
        indexes = [models.Index(fields=("status", "-updated_at"))]
        permissions = [("review_copy", "审核文案（通过、驳回、修改）")]

    def __str__(self) -> str:
        return f"{self.subject}:{self.object_id}"
