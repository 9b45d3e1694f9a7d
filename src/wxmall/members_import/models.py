"""An import job (one uploaded file, its column mapping, its progress checkpoint), the rows it refused
(with the reason, kept for download), and what it brought per customer: tags and order-history summaries.

Resumability: `ImportJob.checkpoint` is the last data row applied; every batch of rows is applied in one
transaction together with the new checkpoint, so a crash loses at most the batch in flight, and running
the job again starts after the checkpoint (each row is applied exactly once)."""

from django.conf import settings
from django.db import models

from wxmall.core.fields import EncryptedJSONField


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", "待确认"
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (xlsx)"


class ImportJob(models.Model):
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作员工", on_delete=models.PROTECT, related_name="+"
    )
    original_name = models.CharField("文件名", max_length=200)
    stored_name = models.CharField("存储文件", max_length=64, unique=True)  # under MEMBER_IMPORT_DIR
    size = models.BigIntegerField("文件大小(字节)")
    file_format = models.CharField("格式", max_length=8, choices=FileFormat.choices)
    encoding = models.CharField("编码", max_length=16, blank=True)  # csv only: utf-8 / gb18030
    headers = models.JSONField("表头", default=list)
    mapping = models.JSONField("列映射", default=dict)  # {"phone": column index, …}
    status = models.CharField(
        "状态", max_length=16, choices=JobStatus.choices, default=JobStatus.UPLOADED, db_index=True
    )
    checkpoint = models.BigIntegerField("已处理到第几行", default=0)
    created_count = models.IntegerField("新建客户", default=0)
    updated_count = models.IntegerField("合并到已有客户", default=0)
    duplicate_count = models.IntegerField("重复行", default=0)
    merged_count = models.IntegerField("合并的已有客户", default=0)
    rejected_count = models.IntegerField("拒绝行", default=0)
    error = models.CharField("错误", max_length=200, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = verbose_name_plural = "会员导入任务"

    def __str__(self) -> str:
        return f"{self.pk}: {self.original_name}"


class ImportReject(models.Model):
    job = models.ForeignKey(ImportJob, verbose_name="任务", on_delete=models.CASCADE, related_name="rejects")
    row_number = models.BigIntegerField("行号")  # 1-based data row (the header is row 0)
    reason = models.CharField("原因", max_length=100)
    # The refused row as read (it is the merchant's own data, shown back only to staff); bounded. It
    # holds phone numbers and names: encrypted at rest like every personal field.
    values = EncryptedJSONField("原始数据", default=list)

    class Meta:
        ordering = ("job", "row_number")
        verbose_name = verbose_name_plural = "导入拒绝行"
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="import_reject_once_per_row")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number}"


class CustomerTag(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="客户", on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField("标签", max_length=32)
    source = models.CharField("来源", max_length=16, default="import")

    class Meta:
        verbose_name = verbose_name_plural = "客户标签"
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="customer_tag_once")]

    def __str__(self) -> str:
        return self.name


class ImportedHistory(models.Model):
    """Order history the old shop had for a customer (summaries, not orders): one row per imported row,
    so duplicates add up and a merge moves them with the customer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="客户",
        on_delete=models.CASCADE,
        related_name="imported_history",
    )
    job = models.ForeignKey(ImportJob, verbose_name="任务", on_delete=models.CASCADE, related_name="+")
    row_number = models.BigIntegerField("行号")
    order_count = models.IntegerField("历史订单数", default=0)
    order_total = models.BigIntegerField("历史消费(分)", default=0)
    last_order_at = models.DateField("最近下单", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入的历史消费"
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="imported_history_once")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.job_id}:{self.row_number}"


class ImportedUnionId(models.Model):
    """A WeChat UnionID the old shop knew for a customer (no openid yet, so not a WeChatIdentity): found
    again by later imports."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="客户",
        on_delete=models.CASCADE,
        related_name="imported_unionids",
    )
    unionid = models.CharField("UnionID", max_length=64, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入的 UnionID"

    def __str__(self) -> str:
        return self.unionid
