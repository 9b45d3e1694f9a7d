from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "wxmall.support"
    label = "support"
    verbose_name = "客服"

    def ready(self) -> None:
        from wxmall.officialaccount import hooks

        from . import actions, fast, signals  # noqa: F401  signals: the FAQ stamp, conversation states

        hooks.register_text_fallback(actions.on_text, fast=(fast.answer, actions.apply_fast))
