from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "wxmall.invoicing"
    label = "invoicing"
    verbose_name = "电子发票"

    def ready(self) -> None:
        from wxmall.officialaccount import hooks as oa_hooks
        from wxmall.payments import hooks as payment_hooks

        from . import actions

        payment_hooks.register_refund_succeeded(actions.on_refund_succeeded)
        oa_hooks.register_event_handler("user_authorize_invoice", actions.on_authorize_event)
        oa_hooks.register_event_handler("submit_invoice_title", actions.on_title_event)
