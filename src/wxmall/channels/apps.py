from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "wxmall.channels"
    label = "channels"
    verbose_name = "视频号内容电商"

    def ready(self) -> None:
        from wxmall.orders import hooks
        from wxmall.orders.state import OrderStatus
        from wxmall.payments import events as payment_events
        from wxmall.store import events as store_events

        from . import settlement
        from .actions import commissions, sharers

        hooks.register(commissions.on_paid, to=OrderStatus.PAID)
        hooks.register(commissions.on_refunded, to=OrderStatus.REFUNDED)
        payment_events.refund_succeeded.connect(
            commissions.on_refund_succeeded, dispatch_uid="channels.refund"
        )
        store_events.aftersale_refunded.connect(
            commissions.on_store_refund, dispatch_uid="channels.store_refund"
        )
        store_events.sharer_changed.connect(sharers.on_sharer_changed, dispatch_uid="channels.sharer_change")
        payment_events.profit_sharing_wanted.connect(
            settlement.wants_profit_sharing, dispatch_uid="channels.ps"
        )
