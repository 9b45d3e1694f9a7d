from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "wxmall.console"
    label = "console"
    verbose_name = "商家后台"
