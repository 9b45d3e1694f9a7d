"""Encrypted model fields for customers' personal data (phone numbers, addresses, names).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under keys from FIELD_ENCRYPTION_KEYS;
the first key encrypts, every key decrypts, so keys rotate without a migration. Encrypted columns
cannot be searched or sorted by value; store a separate hash column where lookup is needed."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _cipher() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return _cipher_for(tuple(keys))


@functools.lru_cache(maxsize=8)
def _cipher_for(keys: tuple[str, ...]) -> MultiFernet:
    # Keyed by the key material itself: a rotated (or test-overridden) key list gets its own cipher.
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(value: str) -> str:
    return _cipher().encrypt(value.encode()).decode()


@functools.lru_cache(maxsize=8)
def _newest(key: str) -> Fernet:
    return Fernet(key)


def encrypt_many(values: Iterable[str]) -> list[str]:
    """`encrypt` of each value (bulk imports): the same Fernet tokens under the newest key, one timestamp
    and one cipher lookup for the whole column instead of one per value."""
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    fernet, now = _newest(keys[0]), int(time.time())
    return [fernet.encrypt_at_time(value.encode(), now).decode() for value in values]


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key or tampered row: fail loudly, never return ciphertext
        raise ValueError("encrypted field cannot be decrypted with FIELD_ENCRYPTION_KEYS") from exc


def lookup_hash(value: str) -> str:
    """A keyed hash of a normalised value (a phone number, an email) for the lookup column beside its
    encrypted one: equal values find each other, the column alone reveals nothing. Keyed with
    FIELD_LOOKUP_KEY (by default derived from the newest encryption key: set it explicitly before
    rotating FIELD_ENCRYPTION_KEYS, or re-hash). Empty stays empty."""
    if not value:
        return ""
    # hmac.digest: the one-shot C path, same bytes as hmac.new(...).hexdigest() at a fraction of the cost.
    return hmac.digest(settings.FIELD_LOOKUP_KEY.encode(), value.encode(), hashlib.sha256).hex()


class EncryptedTextField(models.TextField):
    """A text field stored encrypted. Empty strings stay empty (nothing to protect, cheap to filter)."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def clear_text(self, value) -> str | None:
        """The text this value is stored as once decrypted; None and "" are stored as they are."""
        value = super().get_prep_value(value)
        return value if value in (None, "") else str(value)

    def get_prep_value(self, value):
        text = self.clear_text(value)
        return text if text in (None, "") else encrypt(text)

    def get_db_prep_save_many(self, values, connection) -> list:
        """`get_db_prep_save` of a whole column (core.bulk), encrypted in one `encrypt_many` call."""
        texts = [self.clear_text(value) for value in values]
        tokens = iter(encrypt_many([text for text in texts if text not in (None, "")]))
        return [text if text in (None, "") else next(tokens) for text in texts]


class EncryptedJSONField(EncryptedTextField):
    """JSON (lists, dicts, strings, numbers) stored encrypted, e.g. a refused import row as read. Not
    searchable by content, like its parent."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return json.loads(decrypt(value))

    def to_python(self, value):
        return value

    def clear_text(self, value) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)
