from django.apps import AppConfig
from django.conf import settings


class PaymentsConfig(AppConfig):
    name = "wxmall.payments"
    label = "payments"
    verbose_name = "微信支付"

    def ready(self) -> None:
        from wxmall.orders import hooks
        from wxmall.orders.state import OrderStatus

        from . import config, order_hooks

        hooks.register(order_hooks.close_wechat_orders, to=OrderStatus.CANCELLED)
        settings.CELERY_BEAT_SCHEDULE["payments-query-pending"] = {
            "task": "wxmall.payments.query_pending",
            "schedule": 30.0,
            "options": {"expires": 30},
        }
        # Production (DEMO explicitly off): missing or malformed keys stop the start, with the reason.
        # Until settings.DEMO exists the check waits for first use, so nothing breaks before it lands.
        if getattr(settings, "DEMO", None) is False:
            config.pay_config()
