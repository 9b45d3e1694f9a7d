from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "wxmall.orders"
    label = "orders"
    verbose_name = "订单"

    def ready(self) -> None:
        from . import actions, hooks
        from .state import OrderStatus

        hooks.register(actions.count_sales, to=OrderStatus.PAID)
