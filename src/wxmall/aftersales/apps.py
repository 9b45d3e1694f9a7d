from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "wxmall.aftersales"
    label = "aftersales"
    verbose_name = "售后"

    def ready(self) -> None:
        from wxmall.orders import hooks
        from wxmall.orders.state import OrderStatus

        from . import order_hooks

        hooks.register(
            order_hooks.follow_order,
            from_=OrderStatus.REFUND_REQUESTED,
            to=(OrderStatus.REFUNDED, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED),
        )
