"""`insert_rows`: many INSERTs of one model without building model instances (bulk imports).

`bulk_create` builds a model instance per row and prepares every field of every row; for a table as wide
as the user table that is most of an import's time. Here the columns a row does not give take the field's
default, prepared once for the whole call, and only given values of fields that convert (encryption, dates,
JSON) go through their field; plain text, numbers and booleans go to the driver as they are. The rows are
sent with `executemany`, in one statement per chunk (on PostgreSQL: one COPY; with `ignore_conflicts` a COPY into a temporary table and one INSERT … SELECT). Model `save()`, signals and `pre_save` hooks do not
run: callers use it for append-only rows they fully describe (no `auto_now` logic beyond "now")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone

PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
CHUNK_ROWS = 5000


def _plain(field: models.Field) -> bool:
    """Django's own text, number, boolean and foreign-key fields: the driver takes the Python value as it
    is. Anything else (a subclass such as an encrypted field, dates, JSON) is prepared by its field."""
    return isinstance(field, PLAIN) and type(field).__module__.startswith("django.db.models")


def _default(field: models.Field, now) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()  # "" for text fields without one, None otherwise


def insert_rows(
    model: type[models.Model], rows: Sequence[dict[str, Any]], *, ignore_conflicts: bool = False
) -> int:
    """INSERT `rows` (dicts keyed by field attname, all with the same keys) into `model`'s table inside the
    caller's transaction. With `ignore_conflicts`, rows hitting a unique constraint are skipped. Returns the
    number of rows sent (not the number written when conflicts are ignored)."""
    if not rows:
        return 0
    given = list(rows[0])
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [name for name in given if name not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {unknown}")
    now = timezone.now()
    constant = [
        (f, f.get_db_prep_save(_default(f, now), connection))
        for f in model._meta.concrete_fields
        if f.attname not in given and not (f.primary_key and isinstance(f, models.AutoField))
    ]
    varying = [(name, fields[name], _plain(fields[name])) for name in given]
    columns = [f.column for _, f, _ in varying] + [f.column for f, _ in constant]
    tail = [value for _, value in constant]
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    qn = connection.ops.quote_name
    sql = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} {qn(model._meta.db_table)}"
        f" ({', '.join(qn(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    )
    suffix = connection.ops.on_conflict_suffix_sql([fields[name] for name in given], on_conflict, None, None)
    if suffix:
        sql = f"{sql} {suffix}"

    def values(row: dict[str, Any]) -> list[Any]:
        out = [
            row[name] if plain else field.get_db_prep_save(row[name], connection)
            for name, field, plain in varying
        ]
        return out + tail

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not ignore_conflicts:
            # COPY streams the rows in one round trip: several times faster than executemany's INSERTs.
            copy_sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(values(row))
            return len(rows)
        if connection.vendor == "postgresql":
            # ON CONFLICT cannot follow COPY: COPY into a column-for-column temporary table, then one
            # INSERT … SELECT … ON CONFLICT DO NOTHING (a multi-row VALUES statement of thousands of
            # placeholders costs more to parse client-side than the rows cost to send).
            table, cols = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
            scratch = qn(f"bulk_{model._meta.db_table}"[:60])
            with transaction.atomic(), connection.wrap_database_errors:  # atomic: autocommit callers too
                # ON COMMIT DROP: a failed statement (the transaction rolls back) leaves nothing behind.
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA"
                )
                with cursor.cursor.copy(f"COPY {scratch} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(values(row))
                insert = connection.ops.insert_statement(on_conflict=on_conflict)
                cursor.execute(f"{insert} {table} ({cols}) SELECT {cols} FROM {scratch} {suffix}")
                cursor.execute(f"DROP TABLE {scratch}")  # the next call in this transaction makes its own
            return len(rows)
        for start in range(0, len(rows), CHUNK_ROWS):
            cursor.executemany(sql, [values(row) for row in rows[start : start + CHUNK_ROWS]])
    return len(rows)
