from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "wxmall.reports"
    label = "reports"
    verbose_name = "经营报表"
