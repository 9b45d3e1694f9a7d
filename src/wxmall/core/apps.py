from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wxmall.core"
    label = "core"
    verbose_name = "核心"
