from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "wxmall.customers"
    label = "customers"
    verbose_name = "顾客与分群"

    def ready(self) -> None:
        from wxmall.officialaccount import hooks as oa_hooks

        from . import handlers, tasks  # noqa: F401  (tasks registers the campaign task; actions send it by name)

        oa_hooks.register_event_handler(handlers.EVENT, handlers.on_mass_finish)
