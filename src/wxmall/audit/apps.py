from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "wxmall.audit"
    label = "audit"
    verbose_name = "操作日志"
