"""`insert_rows`: defaults filled once, converting fields (encryption, dates) prepared, conflicts skipped
on request, nothing half-written on an error."""

import pytest
from django.db import IntegrityError, connection, transaction

from wxmall.accounts.models import User
from wxmall.core.bulk import insert_rows, insert_tuples
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


def test_tuples_prepare_converting_columns_and_keep_empty_values_empty():
    from datetime import date

    from wxmall.accounts.models import Address
    from wxmall.members_import.models import ImportedHistory, ImportJob

    staff = User.objects.create(username="bulk-staff", is_staff=True)
    job = ImportJob.objects.create(staff=staff, original_name="m.csv", stored_name="m.csv", size=1)
    users = [User.objects.create(username=f"bulk-t{n}") for n in range(2)]
    insert_tuples(
        Address,
        ("user_id", "recipient", "phone", "province", "city", "district", "detail"),
        [
            (users[0].pk, "张三", "13800138000", "广东省", "深圳市", "", "科技园路 1 号"),
            (users[1].pk, "李四", "13900139000", "浙江省", "杭州市", "西湖区", "文三路 2 号"),
        ],
    )
    insert_tuples(
        ImportedHistory,
        ("user_id", "job_id", "row_number", "order_count", "order_total", "last_order_at"),
        [(users[0].pk, job.pk, 1, 3, 129950, date(2025, 10, 1)), (users[1].pk, job.pk, 2, 0, 0, None)],
    )
    got = {a.user_id: (a.recipient, a.phone, a.district, a.detail) for a in Address.objects.all()}
    assert got == {
        users[0].pk: ("张三", "13800138000", "", "科技园路 1 号"),
        users[1].pk: ("李四", "13900139000", "西湖区", "文三路 2 号"),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT recipient, phone, detail FROM {Address._meta.db_table}")
        stored = cursor.fetchall()
    assert all(v not in ("张三", "李四", "13800138000", "13900139000") and v for row in stored for v in row)
    dates = dict(ImportedHistory.objects.values_list("row_number", "last_order_at"))
    assert dates == {1: date(2025, 10, 1), 2: None}


def test_a_column_is_encrypted_like_value_by_value_under_the_newest_key(settings):
    from cryptography.fernet import Fernet

    from wxmall.core import fields

    old, new = settings.FIELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    field = User._meta.get_field("phone")
    tokens = field.get_db_prep_save_many(["13800138000", "", None, "13800138000"], connection)
    assert tokens[1:3] == ["", None]
    assert [Fernet(new).decrypt(t.encode()).decode() for t in (tokens[0], tokens[3])] == ["13800138000"] * 2
    assert tokens[0] != tokens[3]  # a fresh IV per value: equal numbers do not look equal at rest
    assert fields.decrypt(tokens[0]) == "13800138000"
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(Exception, match="FIELD_ENCRYPTION_KEYS"):
        fields.encrypt_many(["13800138000"])
