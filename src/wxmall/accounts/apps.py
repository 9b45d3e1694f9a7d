from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "wxmall.accounts"
    label = "accounts"
    verbose_name = "用户"
