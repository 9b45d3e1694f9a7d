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


def recent_miniprogram_openid(appid: str, since, prefer: str = "") -> str:
    """An openid of Mini Program `appid` whose login is not older than `since` ("" when none is): the
    preferred one if it qualifies, else a staff member's, else the most recent customer's."""
    from django.db.models import Case, IntegerField, Value, When

    return (
        WeChatIdentity.objects.filter(
            appid=appid, kind=WeChatIdentity.Kind.MINIPROGRAM, last_login_at__gte=since
        )
        .annotate(
            preferred=Case(When(openid=prefer, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .order_by("-preferred", "-user__is_staff", "-last_login_at", "-id")
        .values_list("openid", flat=True)
        .first()
        or ""
    )


def addresses_for(user) -> list[Address]:
    """The customer's address book, default first."""
    return list(Address.objects.filter(user=user).order_by("-is_default", "-id"))
