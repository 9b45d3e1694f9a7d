from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "wxmall.customers"
    label = "customers"
    verbose_name = "顾客与分群"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the campaign task; actions send it by name)
