from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "wxmall.console"
    label = "console"
    verbose_name = "商家后台"

    def ready(self) -> None:
        from django.conf import settings
        from django.contrib import admin
        from django.db.models.signals import post_migrate

        # The owner gets every app's permissions after each migrate: apps added later included, which a
        # migration's frozen list could not know.
        post_migrate.connect(grant_owner_everything, dispatch_uid="console.grant_owner_everything")

        # The admin is the shop's back office, not "Django 管理" (login page, titles, index).
        admin.site.site_header = f"{settings.SHOP_NAME} 商家后台"
        admin.site.site_title = f"{settings.SHOP_NAME} 商家后台"
        admin.site.index_title = "管理后台"


OWNER_ROLE = "店主"


def grant_owner_everything(sender, using="default", **kwargs) -> None:
    """Give the 店主 role every permission of the app just migrated (`sender`), if the role exists. This
    handler runs before auth's (the console is listed first), so it creates the app's permissions itself
    (idempotent; auth's handler then finds them made)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    owner = Group.objects.using(using).filter(name=OWNER_ROLE).first()
    if owner is None:
        return
    create_permissions(sender, verbosity=0, using=using, apps=kwargs.get("apps", global_apps))
    owner.permissions.add(*Permission.objects.using(using).filter(content_type__app_label=sender.label))
