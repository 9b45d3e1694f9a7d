"""Money in Django admin, in yuan. Editable amounts get `YuanField` through `MoneyAdminMixin`; amounts
shown read-only or in a list get a `fen_column`, because Django formats a read-only integer field as a
bare number ("424,900") with no hook to change it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.contrib import admin

from .money import format_yuan
from .money_forms import YuanField


def fen_column(field: str, description: str):
    """An admin column / read-only field showing `obj.<field>` (fen) as ¥4,249.00, sortable by it."""

    @admin.display(description=description, ordering=field)
    def column(self, obj) -> str:
        value = getattr(obj, field)
        return "—" if value is None else format_yuan(value)

    return column


def in_yuan(names: Iterable[str], money: Iterable[str]) -> list[str]:
    """Field names with each money field swapped for its `<name>_yuan` column (see `fen_column`)."""
    money = set(money)
    return [f"{name}_yuan" if name in money else name for name in names]


class MoneyAdminMixin:
    """`money_fields` names the fen columns a person edits: a tuple (any amount from ¥0.00) or a mapping
    of name -> the lowest amount in fen allowed (e.g. a price must be at least ¥0.01)."""

    money_fields: Iterable[str] | Mapping[str, int] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        minimums = self.money_fields if isinstance(self.money_fields, Mapping) else {}
        if db_field.name in self.money_fields:
            return YuanField(
                label=db_field.verbose_name,
                required=not db_field.null,
                initial=db_field.get_default() if db_field.has_default() else None,
                min_fen=minimums.get(db_field.name, 0),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)
