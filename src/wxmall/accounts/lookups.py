"""Questions accounts asks the apps that know more about a customer than accounts does, as signals so that
accounts never imports them: `unionid_owner` (receivers get `unionid`, answer a user id or None) lets
`members_import` say that a first WeChat login with this unionid is an imported customer of the old shop."""

from __future__ import annotations

from django.dispatch import Signal

unionid_owner = Signal()


def owner_of_unionid(unionid: str) -> int | None:
    for _receiver, user_id in unionid_owner.send(sender=None, unionid=unionid):
        if user_id:
            return int(user_id)
    return None
