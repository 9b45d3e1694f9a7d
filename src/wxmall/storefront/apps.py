from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "wxmall.storefront"
    label = "storefront"
    verbose_name = "商城前台"
