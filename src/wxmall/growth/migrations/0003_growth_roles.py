"""Growth came after the staff roles (console 0002): its permissions go to 店主 (everything) and 运营 (the
marketing role runs group deals and referral campaigns), as that migration asks of later apps."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {"店主": None, "运营": None}  # None: every permission of the app


def grant(apps, schema_editor):
    config = apps.get_app_config("growth")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    rows = Permission.objects.filter(content_type__app_label="growth")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(*rows)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    rows = Permission.objects.filter(content_type__app_label="growth")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*rows)


class Migration(migrations.Migration):
    dependencies = [
        ("growth", "0002_group_price_label"),
        ("console", "0002_staff_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
