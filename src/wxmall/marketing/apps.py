from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "wxmall.marketing"
    label = "marketing"
    verbose_name = "营销"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from wxmall.orders.models import Order

        from .actions import attribute_order
        from .models import Link
        from .queries import forget_target

        def forget(sender, instance, **kwargs):
            forget_target(instance.code)

        def placed(sender, instance, created, raw=False, **kwargs):
            if created and not raw:
                attribute_order(instance)

        post_save.connect(forget, sender=Link, dispatch_uid="marketing-link-saved", weak=False)
        # Placement runs no order hook (hooks see transitions): the order's INSERT is the moment.
        post_save.connect(placed, sender=Order, dispatch_uid="marketing-order-placed", weak=False)
        post_delete.connect(forget, sender=Link, dispatch_uid="marketing-link-deleted", weak=False)
