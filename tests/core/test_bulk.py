"""`insert_rows`: defaults filled once, converting fields (encryption, dates) prepared, conflicts skipped
on request, nothing half-written on an error."""

import pytest
from django.db import IntegrityError, connection, transaction

from wxmall.accounts.models import User
from wxmall.core.bulk import insert_rows
from wxmall.members_import.models import CustomerTag

pytestmark = pytest.mark.django_db


def raw_phone(username: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {User._meta.db_table} WHERE username = %s", [username])
        return cursor.fetchone()[0]


def test_rows_get_defaults_and_encrypted_fields_are_encrypted():
    insert_rows(
        User, [{"username": f"bulk-{n}", "password": "!", "phone": f"1380013800{n}"} for n in range(3)]
    )
    users = list(User.objects.filter(username__startswith="bulk-").order_by("username"))
    assert [u.phone for u in users] == ["13800138000", "13800138001", "13800138002"]
    assert all(u.is_active and not u.is_staff and u.date_joined and u.nickname == "" for u in users)
    assert raw_phone("bulk-0") not in ("", "13800138000")  # ciphertext at rest


def test_conflicts_are_skipped_only_when_asked():
    user = User.objects.create(username="tagged")
    insert_rows(CustomerTag, [{"user_id": user.pk, "name": "VIP"}])
    insert_rows(
        CustomerTag,
        [{"user_id": user.pk, "name": "VIP"}, {"user_id": user.pk, "name": "新客"}],
        ignore_conflicts=True,
    )
    assert sorted(CustomerTag.objects.values_list("name", flat=True)) == ["VIP", "新客"]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(CustomerTag, [{"user_id": user.pk, "name": "老客"}, {"user_id": user.pk, "name": "VIP"}])
    assert CustomerTag.objects.count() == 2  # the failed call wrote nothing


def test_unknown_fields_are_refused():
    with pytest.raises(ValueError, match="no fields"):
        insert_rows(CustomerTag, [{"user_id": 1, "colour": "red"}])
