"""`insert_rows`: many INSERTs of one model without building model instances (bulk imports).

`bulk_create` builds a model instance per row and prepares every field of every row; for a table as wide
as the user table that is most of an import's time. Here the columns a row does not give take the field's
default, prepared once for the whole call, and only given values of fields that convert (encryption, dates,
JSON) go through their field; plain text, numbers and booleans go to the driver as they are. The rows are
sent with `executemany`, in one statement per chunk (on PostgreSQL: one COPY; with `ignore_conflicts` a COPY
into a temporary table and one INSERT … SELECT). `insert_tuples` takes rows as tuples (no dict per row).
Model `save()`, signals and `pre_save` hooks do not run: callers use it for append-only rows they fully
describe (no `auto_now` logic beyond "now")."""

from __future__ import annotations

import operator
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
    names = list(rows[0])
    pick = operator.itemgetter(*names)
    tuples = [pick(row) for row in rows] if len(names) > 1 else [(pick(row),) for row in rows]
    return insert_tuples(model, names, tuples, ignore_conflicts=ignore_conflicts)


def insert_tuples(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[tuple],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """`insert_rows` for rows given as tuples of the fields `names` (attnames), in that order: no dict per
    row, and converting fields are prepared a column at a time."""
    if not rows:
        return 0
    names = list(names)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [name for name in names if name not in fields]
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {unknown}")
    now = timezone.now()
    constant = [
        (f, f.get_db_prep_save(_default(f, now), connection))
        for f in model._meta.concrete_fields
        if f.attname not in names and not (f.primary_key and isinstance(f, models.AutoField))
    ]
    columns = [fields[name].column for name in names] + [f.column for f, _ in constant]
    rows = _prepared(rows, [fields[name] for name in names], tuple(value for _, value in constant))
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    qn = connection.ops.quote_name
    table, cols = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
    suffix = connection.ops.on_conflict_suffix_sql([fields[name] for name in names], on_conflict, None, None)
    insert = connection.ops.insert_statement(on_conflict=on_conflict)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not ignore_conflicts:
            # COPY streams the rows in one round trip: several times faster than executemany's INSERTs.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return len(rows)
        if connection.vendor == "postgresql":
            # ON CONFLICT cannot follow COPY: COPY into a column-for-column temporary table, then one
            # INSERT … SELECT … ON CONFLICT DO NOTHING (a multi-row VALUES statement of thousands of
            # placeholders costs more to parse client-side than the rows cost to send).
            scratch = qn(f"bulk_{model._meta.db_table}"[:60])
            with transaction.atomic(), connection.wrap_database_errors:  # atomic: autocommit callers too
                # ON COMMIT DROP: a failed statement (the transaction rolls back) leaves nothing behind.
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA"
                )
                with cursor.cursor.copy(f"COPY {scratch} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cursor.execute(f"{insert} {table} ({cols}) SELECT {cols} FROM {scratch} {suffix}")
                cursor.execute(f"DROP TABLE {scratch}")  # the next call in this transaction makes its own
            return len(rows)
        sql = f"{insert} {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
        if suffix:
            sql = f"{sql} {suffix}"
        for start in range(0, len(rows), CHUNK_ROWS):
            cursor.executemany(sql, rows[start : start + CHUNK_ROWS])
    return len(rows)


def _prepared(rows: Sequence[tuple], given: list[models.Field], tail: tuple) -> list[tuple]:
    """The rows as the driver takes them: converting columns prepared (a whole column per call where the
    field offers `get_db_prep_save_many`, e.g. encryption under one cipher), then the constant tail."""
    converting = [i for i, field in enumerate(given) if not _plain(field)]
    if not converting:
        return [row + tail for row in rows] if tail else list(rows)
    columns: list[Any] = list(zip(*rows, strict=True))
    for i in converting:
        field = given[i]
        many = getattr(field, "get_db_prep_save_many", None)
        if many is not None:
            columns[i] = many(columns[i], connection)
        elif isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            adapt = connection.ops.adapt_datefield_value
            columns[i] = [adapt(field.to_python(value)) for value in columns[i]]
        else:
            columns[i] = [field.get_db_prep_save(value, connection) for value in columns[i]]
    columns += [[value] * len(rows) for value in tail]
    return list(zip(*columns, strict=True))
