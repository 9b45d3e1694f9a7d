"""Re-encrypt every EncryptedTextField value with the newest key of FIELD_ENCRYPTION_KEYS (rotation).

    FIELD_ENCRYPTION_KEYS=new,old python manage.py reencrypt_fields     # then drop `old`

Rows are rewritten in batches, each under a row lock in its own transaction, so a concurrent edit is
never overwritten with an older value. `--check` only counts values not yet under the newest key and
exits 1 if there are any. Values that no configured key decrypts stop the run (nothing is guessed)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from wxmall.core.fields import EncryptedTextField

BATCH = 500


def encrypted_fields() -> list[tuple[type, list[str]]]:
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names and model._meta.managed and not model._meta.proxy:
            found.append((model, names))
    return found


def _stale(model, names: list[str], newest: Fernet) -> list[int]:
    """Primary keys whose raw column value is not a token of the newest key."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
    pk = connection.ops.quote_name(model._meta.pk.column)
    stale = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {columns} FROM {table}")  # noqa: S608 (quoted identifiers only)
        for row in cursor.fetchall():
            for raw in row[1:]:
                if not raw:
                    continue
                try:
                    newest.decrypt(raw.encode())
                except InvalidToken:
                    stale.append(row[0])
                    break
    return stale


class Command(BaseCommand):
    help = "Re-encrypt personal-data fields with the newest FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only count values under an older key")

    def handle(self, *args, check: bool = False, **options):
        newest = Fernet(settings.FIELD_ENCRYPTION_KEYS[0])
        total = 0
        for model, names in encrypted_fields():
            stale = _stale(model, names, newest)
            total += len(stale)
            if check or not stale:
                self.stdout.write(f"{model._meta.label}: {len(stale)} 行使用旧密钥")
                continue
            for start in range(0, len(stale), BATCH):
                with transaction.atomic():
                    try:
                        rows = list(
                            model._base_manager.select_for_update().filter(
                                pk__in=stale[start : start + BATCH]
                            )
                        )
                    except ValueError as exc:  # a value no configured key decrypts
                        raise CommandError(f"{model._meta.label}: {exc}") from exc
                    for row in rows:  # saving re-encrypts with the newest key
                        model._base_manager.filter(pk=row.pk).update(**{n: getattr(row, n) for n in names})
            self.stdout.write(f"{model._meta.label}: 已重新加密 {len(stale)} 行")
        if check and total:
            raise CommandError(f"{total} 行个人数据仍使用旧密钥，请运行 reencrypt_fields")
        self.stdout.write(self.style.SUCCESS("完成"))
