"""Read side of accounts."""

from __future__ import annotations

from django.db.models import F

from .models import Address, User, WeChatIdentity


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
