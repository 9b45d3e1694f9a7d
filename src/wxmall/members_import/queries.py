"""Read side of member imports that other apps ask through accounts' lookups."""

from __future__ import annotations

from .models import ImportedUnionId


def imported_unionid_owner(sender=None, *, unionid: str, **kwargs) -> int | None:
    """The active imported customer who came with this WeChat unionid (answers `accounts.lookups`)."""
    return (
        ImportedUnionId.objects.filter(unionid=unionid, user__is_active=True)
        .values_list("user_id", flat=True)
        .first()
    )
