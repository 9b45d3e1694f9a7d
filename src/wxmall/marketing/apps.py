from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "wxmall.marketing"
    label = "marketing"
    verbose_name = "营销"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Link
        from .queries import forget_target

        def forget(sender, instance, **kwargs):
            forget_target(instance.code)

        post_save.connect(forget, sender=Link, dispatch_uid="marketing-link-saved", weak=False)
        post_delete.connect(forget, sender=Link, dispatch_uid="marketing-link-deleted", weak=False)
