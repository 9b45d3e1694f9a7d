from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "wxmall.customers"
    label = "customers"
    verbose_name = "顾客与分群"
