from django.conf import settings
from django.db import models


class DataRequest(models.Model):
    """One export or erasure done for a customer (who asked is the customer; who did it is `staff`)."""

    class Kind(models.TextChoices):
        EXPORT = "export", "导出个人信息"
        ERASE = "erase", "删除个人信息"

    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    customer_id = models.BigIntegerField("用户 ID", db_index=True)  # no FK: the row outlives the data
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("依据", max_length=200)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = verbose_name_plural = "个人信息请求"
        permissions = [
            ("export_personal_data", "导出用户个人信息"),
            ("erase_personal_data", "删除用户个人信息"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.customer_id}"
