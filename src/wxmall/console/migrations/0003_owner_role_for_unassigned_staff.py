"""Staff accounts with no role opened every console page before this release; from now on they open none.
So that nobody is locked out on upgrade, every staff account existing now without a role (no group, no
permission of its own) becomes a 店主, as it effectively was. Reversing leaves the memberships alone:
they cannot be told apart from ones given on purpose."""

from django.db import migrations


def owners_for_unassigned_staff(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Group = apps.get_model("auth", "Group")
    owner = Group.objects.filter(name="店主").first()
    if owner is None:
        return
    unassigned = User.objects.filter(
        is_staff=True, is_superuser=False, groups__isnull=True, user_permissions__isnull=True
    )
    owner.user_set.add(*unassigned)


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0002_staff_roles"),
        ("accounts", "0010_alter_pointsentry_kind"),
    ]

    operations = [migrations.RunPython(owners_for_unassigned_staff, migrations.RunPython.noop)]
