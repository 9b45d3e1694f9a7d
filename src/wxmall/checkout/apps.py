from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "wxmall.checkout"
    label = "checkout"
    verbose_name = "购物车与结算"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from wxmall.orders import hooks
        from wxmall.orders.state import OrderStatus

        from . import checks, release  # noqa: F401  (checks registers itself)
        from .actions import cart

        user_logged_in.connect(cart.on_logged_in, dispatch_uid="checkout.merge_kept_cart")

        hooks.register(release.on_cancelled, to=OrderStatus.CANCELLED)
        hooks.register(release.on_revived, to=OrderStatus.PAID, from_=OrderStatus.CANCELLED)
        hooks.register(release.on_refunded, to=OrderStatus.REFUNDED, from_=OrderStatus.REFUND_REQUESTED)
