from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "wxmall.invoicing"
    label = "invoicing"
    verbose_name = "电子发票"

    def ready(self) -> None:
        from wxmall.officialaccount import hooks as oa_hooks
        from wxmall.orders import hooks as order_hooks
        from wxmall.orders.state import OrderStatus
        from wxmall.payments import hooks as payment_hooks

        from . import actions

        order_hooks.register(actions.on_order_paid, to=OrderStatus.PAID, from_=OrderStatus.PENDING_PAYMENT)
        payment_hooks.register_refund_succeeded(actions.on_refund_succeeded)
        oa_hooks.register_event_handler("user_authorize_invoice", actions.on_authorize_event)
        oa_hooks.register_event_handler("submit_invoice_title", actions.on_title_event)
