from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "wxmall.compliance"
    label = "compliance"
    verbose_name = "合规与风控"
