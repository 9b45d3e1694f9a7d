"""Read side of accounts."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.crypto import constant_time_compare

from .models import Address, User, WeChatIdentity

# --- the signed-in customer, without a database read per request -------------------------------------
SESSION_ACCOUNT_SECONDS = 300  # warm from the login (update_last_login saves the account) to the rush
_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_CHANGED = "changed"  # a tombstone: read the row (and do not cache it) for SESSION_ACCOUNT_SECONDS


def _account_key(user_id) -> str:
    return f"wxmall:session-account:{user_id}"


def session_customer_id(request) -> int | None:
    """The signed-in customer's id, verified as Django's `auth.get_user` verifies a session (the
    ModelBackend, the session's hash equal to the account's current one, the account active), with
    the account's (hash, active) read through the cache for SESSION_ACCOUNT_SECONDS. For hot endpoints
    that need only the id (flash-sale admission). None whenever this cannot vouch for the session (not
    signed in, another backend, a fallback-secret hash, a mismatch): the caller then takes Django's full
    path, which also flushes a bad session.

    Saving an account (post_save) writes its new entry once the transaction commits, and deleting one
    a tombstone: a request that read the row just before cannot put the old hash back (`add` only writes
    an absent key; an `add` before the commit is overwritten). A bulk queryset UPDATE sends no signal:
    the TTL bounds that staleness."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = request.session
    try:
        user_id = User._meta.pk.to_python(session[SESSION_KEY])
        backend, session_hash = session[BACKEND_SESSION_KEY], session[HASH_SESSION_KEY]
    except (KeyError, ValidationError):
        return None
    if backend != _MODEL_BACKEND or backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    if not isinstance(session_hash, str) or not session_hash:
        return None
    key = _account_key(user_id)
    entry = cache.get(key)
    if entry is None or entry == _CHANGED:
        row = User.objects.filter(pk=user_id).values_list("password", "is_active").first()
        if row is None:
            return None
        entry = _entry(User(pk=user_id, password=row[0], is_active=row[1]))
        cache.add(key, entry, SESSION_ACCOUNT_SECONDS)
    account_hash, active = entry
    if not active or not constant_time_compare(session_hash, account_hash):
        return None
    return user_id


def _entry(user) -> tuple[str, bool]:
    return user.get_session_auth_hash(), bool(user.is_active)


def refresh_session_account(sender, instance, raw=False, **kwargs) -> None:
    """post_save of an account: after the commit, its cached entry is what was written."""
    from django.db import transaction

    if raw:
        return
    key = _account_key(instance.pk)
    if "password" in instance.__dict__ and "is_active" in instance.__dict__:
        entry = _entry(instance)
        transaction.on_commit(lambda: cache.set(key, entry, SESSION_ACCOUNT_SECONDS))
    else:  # a deferred field: let the next request read the row
        transaction.on_commit(lambda: cache.set(key, _CHANGED, SESSION_ACCOUNT_SECONDS))


def forget_session_account(sender, instance, **kwargs) -> None:
    """post_delete of an account: a tombstone, so a request that read the row cannot bring it back."""
    from django.db import transaction

    key = _account_key(instance.pk)
    transaction.on_commit(lambda: cache.set(key, _CHANGED, SESSION_ACCOUNT_SECONDS))


def openid_for(user: User, appid: str) -> str | None:
    """The openid `appid` knows `user` by, or None if the customer never logged in through that app.
    The most recently used identity wins if a merge left the customer with several for one app."""
    return (
        WeChatIdentity.objects.filter(user=user, appid=appid)
        .order_by(F("last_login_at").desc(nulls_last=True), "-id")
        .values_list("openid", flat=True)
        .first()
    )


def addresses_for(user) -> list[Address]:
    """The customer's address book, default first."""
    return list(Address.objects.filter(user=user).order_by("-is_default", "-id"))
