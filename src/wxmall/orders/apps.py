from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "wxmall.orders"
    label = "orders"
    verbose_name = "订单"
