"""The four staff roles as Django groups with their permissions. The shop owner's account is a
superuser or a member of 店主; the others get exactly their part. The lists are frozen here (a
migration must not follow later code); an app added later grants its permissions in its own migration.

An entry is "app_label" (every permission of the app) or "app_label.codename". Permissions are created
first: Django only makes them after all migrations, and this one needs them now."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "店主": ["*"],
    "运营": [
        "catalog",
        "checkout",
        "customers",
        "marketing",
        "officialaccount",
        "compliance",
        "channels",
        "analytics",
        "console.view_reports",
        "fulfilment.manage_freight",
        "fulfilment.view_freighttemplate",
        "accounts.view_user",
        "accounts.view_member",
        "accounts.view_membershiplevel",
        "orders.view_order",
    ],
    "客服": [
        "support",
        "accounts.view_user",
        "accounts.view_member",
        "accounts.view_pointsentry",
        "console.reveal_personal_data",
        "orders.view_order",
        "orders.change_order",
        "payments.view_payment",
        "payments.view_refund",
        "checkout.view_coupon",
        "aftersales",
        "fulfilment.view_shipment",
    ],
    "仓库": [
        "orders.view_order",
        "orders.change_order",
        "catalog.view_product",
        "catalog.view_sku",
        "catalog.change_sku",
        "pickup",
        "fulfilment.ship_order",
        "fulfilment.view_shipment",
        "fulfilment.add_shipment",
        "fulfilment.view_storecourier",
    ],
}


def _permissions(apps, entries):
    Permission = apps.get_model("auth", "Permission")
    found = Permission.objects.none()
    for entry in entries:
        if entry == "*":
            return Permission.objects.all()
        app_label, _, codename = entry.partition(".")
        rows = Permission.objects.filter(content_type__app_label=app_label)
        found |= rows.filter(codename=codename) if codename else rows
    return found


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, entries in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, entries))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0009_money_labels_in_yuan"),
        ("audit", "0001_initial"),
        ("catalog", "0004_money_labels_in_yuan"),
        ("checkout", "0004_coupon_grants"),
        ("compliance", "0002_review_queue"),
        ("core", "0002_outbox_message_result"),
        ("customers", "0001_initial"),
        ("marketing", "0001_links_clicks_touches"),
        ("members_import", "0003_money_labels_in_yuan"),
        ("officialaccount", "0004_order_notifications"),
        ("orders", "0003_money_labels_in_yuan"),
        ("payments", "0009_offlinepayment"),
        ("fulfilment", "0001_initial"),
        ("aftersales", "0001_initial"),
        ("channels", "0001_initial"),
        ("analytics", "0005_recommendations"),
        ("privacy", "0001_initial"),
        ("pickup", "0001_pickup_stores_and_codes"),
        ("store", "0004_compass_snapshot"),
        ("support", "0003_wecom"),
        ("wechat", "0001_credentials_and_api_stats"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
