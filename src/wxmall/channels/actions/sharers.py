"""Sharers (分享员, bound through the Store's sharer API) and promoters (带货达人, by their finder id),
with the profit-sharing receiver each is paid as."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wxmall.core.errors import DomainError
from wxmall.wechat import client

from ..errors import ChannelsError
from ..models import ReceiverType, Sharer, SharerKind


def invite(username: str = "") -> str:
    """The Store's invitation QR code (URL) for a sharer to scan."""
    return client("store").store.sharer_invite(username.strip()[:64])


def _pay_openid(unionid: str) -> str:
    """The sharer's openid under the Pay appid (the OA), found by unionid: WeChat Pay pays a person by
    an openid of the appid it is called with, not by the shop's openid."""
    from django.core.exceptions import ImproperlyConfigured

    from wxmall.accounts.models import WeChatIdentity
    from wxmall.payments.config import pay_config

    if not unionid:
        return ""
    try:
        appid = pay_config().appid
    except ImproperlyConfigured:  # Pay not configured: staff fill the account in by hand
        return ""
    return (
        WeChatIdentity.objects.filter(appid=appid, unionid=unionid).values_list("openid", flat=True).first()
        or ""
    )


def _upsert_bound(info) -> Sharer:
    """Record a sharer WeChat lists as bound (inside the caller's transaction)."""
    bound_at = datetime.fromtimestamp(info.bind_time, tz=UTC) if info.bind_time else timezone.now()
    sharer, _ = Sharer.objects.select_for_update().get_or_create(
        openid=info.openid,
        defaults={
            "kind": SharerKind.SHARER,
            "nickname": info.nickname,
            "unionid": info.unionid,
            "sharer_type": info.sharer_type,
            "bound_at": bound_at,
        },
    )
    fields = {
        "bound": True,
        "nickname": info.nickname or sharer.nickname,
        "unionid": info.unionid or sharer.unionid,
        "sharer_type": info.sharer_type,
    }
    if not sharer.bound:  # bound again after an unbind: the new bind time
        fields["bound_at"] = bound_at
    if not sharer.receiver_account:
        fields["receiver_account"] = _pay_openid(fields["unionid"])
    Sharer.objects.filter(pk=sharer.pk).update(**fields)
    return sharer


def refresh(openid: str) -> str:
    """One sharer as WeChat has them now (store's `sharer_changed`, from a `channels_ec_sharer_change`
    push). The push's own `bind_status` is not trusted: pushes come late, twice or out of order, so the
    Store is asked (`search_sharer`) and the answer converges whatever the order. "bound", "unbound" or
    "unknown" (never bound here and not a sharer)."""
    info = client("store").store.sharer_search(openid)
    with transaction.atomic():
        if info is not None:
            _upsert_bound(info)
            return "bound"
        gone = Sharer.objects.filter(openid=openid, kind=SharerKind.SHARER, bound=True).update(bound=False)
    return "unbound" if gone or Sharer.objects.filter(openid=openid).exists() else "unknown"


def on_sharer_changed(sender, openid: str, **kwargs) -> str:
    return refresh(openid)


def sync() -> int:
    """Make the local sharers match the Store's bound ones (both types); returns how many are bound.
    The hourly safety net behind the pushes (`refresh`): a push lost or never configured is caught here."""
    wx = client("store").store
    seen: set[str] = set()
    for sharer_type in (0, 1):
        page = 1
        while True:
            infos = wx.sharer_list(sharer_type, page=page)
            for info in infos:
                seen.add(info.openid)
                with transaction.atomic():
                    _upsert_bound(info)
            if len(infos) < 100 or page >= settings.CHANNELS_SHARER_PAGES:
                break
            page += 1
    Sharer.objects.filter(kind=SharerKind.SHARER, bound=True).exclude(openid__in=seen).update(bound=False)
    return len(seen)


def unbind(sharer_id: int) -> bool:
    sharer = Sharer.objects.filter(pk=sharer_id, kind=SharerKind.SHARER, bound=True).first()
    if sharer is None:
        raise DomainError(ChannelsError.SHARER_UNKNOWN)
    done = client("store").store.sharer_unbind([sharer.openid])
    if sharer.openid in done:
        Sharer.objects.filter(pk=sharer.pk).update(bound=False)
        return True
    return False


def add_promoter(finder_id: str, nickname: str = "", *, mchid: str = "", merchant_name: str = "") -> Sharer:
    """Invite a 带货达人 (by finder id) to cooperate through the alliance; they count as bound once they
    accept (`refresh_promoter`). Paid by WeChat for alliance sales; for H5 sales through their link, as a
    merchant receiver when they have a merchant number (then returns are possible)."""
    finder_id = (finder_id or "").strip()
    if not finder_id.startswith("sph") or len(finder_id) > 64:
        raise DomainError(ChannelsError.SHARER_UNKNOWN)
    receiver = (
        {
            "receiver_type": ReceiverType.MERCHANT_ID,
            "receiver_account": mchid[:32],
            "receiver_name": merchant_name[:128],
        }
        if mchid
        else {}
    )
    client("store").store.league_promoter_add(finder_id)
    sharer, _ = Sharer.objects.update_or_create(
        openid=finder_id,
        defaults={"kind": SharerKind.PROMOTER, "nickname": nickname[:64], "bound": False, **receiver},
    )
    return sharer


PROMOTER_ACCEPTED = 2


def refresh_promoter(sharer_id: int) -> Sharer:
    """Ask WeChat whether the creator accepted: cooperating (2) means bound, anything else not."""
    sharer = Sharer.objects.filter(pk=sharer_id, kind=SharerKind.PROMOTER).first()
    if sharer is None:
        raise DomainError(ChannelsError.SHARER_UNKNOWN)
    accepted = client("store").store.league_promoter_status(sharer.openid) == PROMOTER_ACCEPTED
    fields = {"bound": accepted} | ({"bound_at": sharer.bound_at or timezone.now()} if accepted else {})
    Sharer.objects.filter(pk=sharer.pk).update(**fields)
    sharer.refresh_from_db()
    return sharer


REAL_NAME = re.compile(r"[\u3400-\u9fffA-Za-z·•. ]{2,32}")  # Chinese names, minority names with ·, Latin


def record_real_name(sharer_id: int, name: str, *, consented: bool) -> Sharer:
    """Staff record the real name a sharer gave, with their consent, for merchant transfers from 2,000
    yuan (WeChat Pay checks it against the payee). Without consent nothing is stored; an empty name
    withdraws it (the name is cleared with the consent time)."""
    name = " ".join((name or "").split())
    if not name:
        fields = {"real_name": "", "name_consent_at": None}
    elif not consented or not REAL_NAME.fullmatch(name) or name.isascii() and len(name) < 3:
        raise DomainError(ChannelsError.REAL_NAME_INVALID)
    else:
        fields = {"real_name": name, "name_consent_at": timezone.now()}
    updated = Sharer.objects.filter(pk=sharer_id, kind=SharerKind.SHARER).update(**fields)
    if not updated:
        raise DomainError(ChannelsError.SHARER_UNKNOWN)
    return Sharer.objects.get(pk=sharer_id)


def set_receiver(sharer_id: int, *, receiver_type: str, account: str, name: str = "") -> Sharer:
    """Staff correct how a sharer is paid; the receiver is registered with WeChat again before the next split."""
    account = (account or "").strip()
    if receiver_type not in ReceiverType.values or not account or len(account) > 64:
        raise DomainError(ChannelsError.RECEIVER_MISSING)
    if receiver_type == ReceiverType.MERCHANT_ID and not name.strip():
        raise DomainError(ChannelsError.RECEIVER_MISSING)
    updated = Sharer.objects.filter(pk=sharer_id).update(
        receiver_type=receiver_type,
        receiver_account=account,
        receiver_name=name.strip()[:128],
        receiver_added_at=None,
    )
    if not updated:
        raise DomainError(ChannelsError.SHARER_UNKNOWN)
    return Sharer.objects.get(pk=sharer_id)
