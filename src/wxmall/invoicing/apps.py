from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "wxmall.invoicing"
    label = "invoicing"
    verbose_name = "电子发票"

    def ready(self) -> None:
        from wxmall.officialaccount import hooks as oa_hooks
        from wxmall.orders import hooks as order_hooks
        from wxmall.orders.state import OrderStatus
        from wxmall.payments import events as payment_events

        from . import actions

        order_hooks.register(actions.on_order_paid, to=OrderStatus.PAID, from_=OrderStatus.PENDING_PAYMENT)
        payment_events.refund_succeeded.connect(actions.on_refund_succeeded, dispatch_uid="invoicing.refund")
        oa_hooks.register_event_handler("user_authorize_invoice", actions.on_authorize_event)
        oa_hooks.register_event_handler("submit_invoice_title", actions.on_title_event)
