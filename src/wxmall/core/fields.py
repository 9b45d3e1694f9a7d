"""Encrypted model fields for customers' personal data (phone numbers, addresses, names).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under keys from FIELD_ENCRYPTION_KEYS;
the first key encrypts, every key decrypts, so keys rotate without a migration. Encrypted columns
cannot be searched or sorted by value; store a separate hash column where lookup is needed."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json

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

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))


class EncryptedJSONField(EncryptedTextField):
    """JSON (lists, dicts, strings, numbers) stored encrypted, e.g. a refused import row as read. Not
    searchable by content, like its parent."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return json.loads(decrypt(value))

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)
