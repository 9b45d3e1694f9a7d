from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "wxmall.support"
    label = "support"
    verbose_name = "客服"

    def ready(self) -> None:
        from . import signals  # noqa: F401  the FAQ index version follows every FAQ change
