from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "wxmall.support"
    label = "support"
    verbose_name = "客服"

    def ready(self) -> None:
        from wxmall.officialaccount import hooks

        from . import actions, signals  # noqa: F401  signals: the FAQ index stamp follows every FAQ change

        hooks.register_text_fallback(actions.on_text)
