from django.apps import AppConfig


class PickupConfig(AppConfig):
    name = "wxmall.pickup"
    label = "pickup"
    verbose_name = "门店自提"

    def ready(self) -> None:
        from wxmall.orders import hooks
        from wxmall.orders.state import OrderStatus

        from . import order_hooks

        hooks.register(order_hooks.issue_code, to=OrderStatus.PAID)
        hooks.register(order_hooks.refuse_shipping, to=OrderStatus.SHIPPED)
        hooks.register(order_hooks.require_verification, to=OrderStatus.COMPLETED, from_=OrderStatus.PAID)
        hooks.register(order_hooks.void_code, to=(OrderStatus.REFUNDED, OrderStatus.CANCELLED))
