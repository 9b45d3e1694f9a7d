from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "wxmall.console"
    label = "console"
    verbose_name = "商家后台"

    def ready(self) -> None:
        from django.conf import settings
        from django.contrib import admin

        # The admin is the shop's back office, not "Django 管理" (login page, titles, index).
        admin.site.site_header = f"{settings.SHOP_NAME} 商家后台"
        admin.site.site_title = f"{settings.SHOP_NAME} 商家后台"
        admin.site.index_title = "管理后台"
