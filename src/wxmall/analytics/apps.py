from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "wxmall.analytics"
    label = "analytics"
    verbose_name = "数据分析"

    def ready(self) -> None:
        from .quota import Quotas

        self.quotas = Quotas()  # this process's event quotas (see `quota`)
        from django.db.models.signals import post_save

        from wxmall.orders import hooks
        from wxmall.orders.models import Order
        from wxmall.orders.state import OrderStatus

        from . import order_hooks

        hooks.register(order_hooks.on_paid, to=OrderStatus.PAID, from_=OrderStatus.PENDING_PAYMENT)
        # After marketing's receiver (INSTALLED_APPS order), so the order's attribution exists already.
        post_save.connect(
            order_hooks.on_saved, sender=Order, dispatch_uid="analytics-order-placed", weak=False
        )
