from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "wxmall.catalog"
    label = "catalog"
    verbose_name = "商品"
