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

        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        post_save.connect(
            _gift_new_customer, sender=get_user_model(), dispatch_uid="checkout.new_customer_gift"
        )

        from django.db.models.signals import post_delete

        from wxmall.accounts.models import Address

        from . import admission

        post_delete.connect(
            admission.on_address_deleted, sender=Address, dispatch_uid="checkout.flash_address_deleted"
        )


def _gift_new_customer(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        from .actions.coupons import grant_new_customer

        grant_new_customer(instance)
