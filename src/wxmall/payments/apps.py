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
        # Production mode: missing or malformed keys stop the start, with the reason.
        if settings.PRODUCTION:
            config.pay_config()
