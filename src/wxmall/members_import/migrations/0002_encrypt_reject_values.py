"""Refused import rows hold phone numbers and names: encrypt the column (existing rows too)."""

from django.db import migrations

import wxmall.core.fields


def encrypt_existing(apps, schema_editor):
    from wxmall.core.fields import encrypt

    connection = schema_editor.connection
    table = connection.ops.quote_name("members_import_importreject")
    column = connection.ops.quote_name("values")  # a keyword in SQL: always quoted
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column} FROM {table}")  # noqa: S608 (quoted identifiers only)
        rows = [(pk, raw) for pk, raw in cursor.fetchall() if raw and raw.lstrip()[:1] in ("[", "{")]
        for pk, raw in rows:  # still the JSON text the old column held
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [encrypt(raw), pk])  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("members_import", "0001_member_import"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importreject",
            name="values",
            field=wxmall.core.fields.EncryptedJSONField(default=list, verbose_name="原始数据"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
