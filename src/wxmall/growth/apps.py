from django.apps import AppConfig


class GrowthConfig(AppConfig):
    name = "wxmall.growth"
    label = "growth"
    verbose_name = "增长"

    def ready(self) -> None:
        from wxmall.orders import hooks
        from wxmall.orders.state import OrderStatus

        from . import order_hooks

        hooks.register(order_hooks.group_member_paid, to=OrderStatus.PAID)
        hooks.register(order_hooks.group_seat_freed, to=OrderStatus.CANCELLED)
        hooks.register(order_hooks.referral_reward, to=OrderStatus.PAID)
        hooks.register(order_hooks.referral_reversal, to=OrderStatus.REFUNDED)
