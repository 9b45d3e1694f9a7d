from django.apps import AppConfig


class OfficialAccountConfig(AppConfig):
    name = "wxmall.officialaccount"
    label = "officialaccount"
    verbose_name = "公众号"

    def ready(self) -> None:
        from wxmall.officialaccount.config import validate

        validate()
