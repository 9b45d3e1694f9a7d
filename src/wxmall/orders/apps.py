from django.apps import AppConfig
from django.conf import settings


class OrdersConfig(AppConfig):
    name = "wxmall.orders"
    label = "orders"
    verbose_name = "订单"

    def ready(self) -> None:
        from . import actions, hooks
        from .state import OrderStatus

        hooks.register(actions.count_sales, to=OrderStatus.PAID)
        settings.CELERY_BEAT_SCHEDULE["orders-cancel-expired"] = {
            "task": "wxmall.orders.cancel_expired_orders",
            "schedule": 60.0,
            "options": {"expires": 60},
        }
