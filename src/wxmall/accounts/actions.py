"""State changes of a customer's account: the address book, WeChat identities, linking and merging
customers. Each public function is one transaction; a refusal (`DomainError`) rolls back all it wrote.

Per-customer limits (CHECKOUT_MAX_ADDRESSES) are counted while holding the customer's own `User` row
lock (`lock_customer`), so two parallel requests of one customer queue instead of both passing the
check; other customers are not blocked. Checkout takes the same lock first (see `checkout.actions`).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from wxmall.core import regions
from wxmall.core.errors import DomainError

from . import lookups, phones, points
from .errors import AccountError
from .models import Address, CustomerMerge, Member, PointsEntry, User, WeChatIdentity

PHONE = re.compile(r"1[3-9]\d{9}")
ADDRESS_FIELDS = ("recipient", "phone", "province", "city", "district", "detail")
_ADDRESS_LIMITS = {
    "recipient": (1, 20),
    "phone": (11, 11),
    "province": (1, 32),
    "city": (1, 32),
    "district": (0, 32),
    "detail": (2, 120),
}


def lock_customer(user) -> None:
    """Serialize this customer's own writes (address book, cart, placement) on their `User` row.
    SQLite has no row locks (its SELECT … FOR UPDATE is a plain SELECT): there the transaction's
    BEGIN IMMEDIATE already serialises every writer, so the round trip is skipped."""
    if not connection.features.has_select_for_update:
        return
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def _clean_address(data: dict) -> dict:
    cleaned, bad = {}, []
    for name in ADDRESS_FIELDS:
        value = data.get(name, "")
        value = value.strip() if isinstance(value, str) else None
        low, high = _ADDRESS_LIMITS[name]
        if value is None or not low <= len(value) <= high or "\x00" in value:
            bad.append(name)
        cleaned[name] = value
    if "phone" not in bad and not PHONE.fullmatch(cleaned["phone"]):
        bad.append("phone")
    if bad:
        raise DomainError(AccountError.INVALID_ADDRESS, fields=bad)
    if not regions.belong_together(cleaned["province"], cleaned["city"], cleaned["district"]):
        raise DomainError(AccountError.REGION_MISMATCH, fields=["province", "city", "district"])
    return cleaned


def add_address(user, *, is_default: bool = False, **fields) -> Address:
    """Save a new address (fields: recipient, phone (mainland mobile), province, city, district,
    detail). The customer's first address becomes the default. At most CHECKOUT_MAX_ADDRESSES."""
    cleaned = _clean_address(fields)
    with transaction.atomic():
        lock_customer(user)
        count = Address.objects.filter(user=user).count()
        if count >= settings.CHECKOUT_MAX_ADDRESSES:
            raise DomainError(
                AccountError.ADDRESS_LIMIT, f"收货地址最多保存 {settings.CHECKOUT_MAX_ADDRESSES} 个"
            )
        make_default = bool(is_default) or count == 0
        if make_default:
            Address.objects.filter(user=user, is_default=True).update(is_default=False)
        return Address.objects.create(user=user, is_default=make_default, **cleaned)


def update_address(user, address_id: int, *, is_default: bool | None = None, **fields) -> Address:
    """Replace an address's fields (all of them, validated as in `add_address`)."""
    cleaned = _clean_address(fields)
    with transaction.atomic():
        lock_customer(user)
        address = own_address(user, address_id)
        for name, value in cleaned.items():
            setattr(address, name, value)
        if is_default:
            Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(is_default=False)
            address.is_default = True
        address.save()
        return address


def set_default_address(user, address_id: int) -> Address:
    with transaction.atomic():
        lock_customer(user)
        address = own_address(user, address_id)
        Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(is_default=False)
        Address.objects.filter(pk=address.pk).update(is_default=True)
        address.is_default = True
        return address


def delete_address(user, address_id: int) -> None:
    """Delete an address; orders keep their own copy. If it was the default, the newest remaining
    address becomes the default."""
    with transaction.atomic():
        lock_customer(user)
        address = own_address(user, address_id)
        address.delete()
        if address.is_default:
            successor = Address.objects.filter(user=user).order_by("-id").first()
            if successor:
                Address.objects.filter(pk=successor.pk).update(is_default=True)


def own_address(user, address_id) -> Address:
    """The customer's address by id. Another customer's address is "not found": ids are not secrets,
    but ownership must not leak."""
    valid_id = isinstance(address_id, int) and not isinstance(address_id, bool)
    address = Address.objects.filter(user=user, pk=address_id).first() if valid_id else None
    if address is None:
        raise DomainError(AccountError.ADDRESS_NOT_FOUND)
    return address


# -- WeChat identities ------------------------------------------------------------------------------------

WECHAT_USERNAME_PREFIX = "wx-"
# Customers a member import created (they never logged in; they have no password): a WeChat customer who
# binds the same phone number joins them (`bind_phone`).
IMPORTED_USERNAME_PREFIX = "imp-"


def _wechat_username(appid: str, openid: str) -> str:
    return WECHAT_USERNAME_PREFIX + hashlib.sha256(f"{appid}:{openid}".encode()).hexdigest()[:40]


def login_wechat(
    *,
    appid: str,
    openid: str,
    kind: str,
    unionid: str | None = None,
    nickname: str = "",
    avatar_url: str = "",
    session_key: str = "",
) -> User:
    """The customer WeChat vouched for as (appid, openid), created on first login. A new identity whose
    unionid another identity already carries lands on that identity's customer (one person, many apps),
    and one whose unionid an imported customer carries lands on that customer (`lookups.unionid_owner`).
    A Mini Program login also keeps its fresh `session_key` (encrypted, never shown) on the identity."""
    now = timezone.now()
    with transaction.atomic():
        identity = (
            WeChatIdentity.objects.select_for_update()
            .select_related("user")
            .filter(appid=appid, openid=openid)
            .first()
        )
        if identity is None:
            try:
                with transaction.atomic():  # two first logins at once: the unique (appid, openid) decides
                    identity = _new_identity(appid, openid, kind, unionid, nickname, avatar_url, now)
            except IntegrityError:
                identity = (
                    WeChatIdentity.objects.select_for_update()
                    .select_related("user")
                    .get(appid=appid, openid=openid)
                )
        changes = {"last_login_at": now}
        if session_key:
            changes["session_key"] = session_key
        learned = bool(unionid) and identity.unionid != unionid
        if learned:
            changes["unionid"] = unionid
        if nickname:
            changes |= {"nickname": nickname[:64], "avatar_url": avatar_url[:512]}
        WeChatIdentity.objects.filter(pk=identity.pk).update(**changes)
        user = identity.user
        if learned:
            _join_imported(user, unionid)
        if nickname and not user.nickname:
            User.objects.filter(pk=user.pk, nickname="").update(
                nickname=nickname[:64], avatar_url=avatar_url[:200]
            )
            user.refresh_from_db(fields=["nickname", "avatar_url"])
        return user


def _join_imported(user: User, unionid: str) -> None:
    """An H5 login learns the unionid only at snsapi_userinfo consent, after snsapi_base already made the
    identity: an imported customer (never logged in, no password) carrying that unionid is this person
    and folds in through the audited merge, as `bind_phone` does for a phone number."""
    owner = lookups.owner_of_unionid(unionid)
    if owner is None or owner == user.pk:
        return
    twin = User.objects.filter(
        pk=owner, is_active=True, is_staff=False, username__startswith=IMPORTED_USERNAME_PREFIX
    ).first()
    if (
        twin is not None
        and not twin.has_usable_password()
        and not WeChatIdentity.objects.filter(user=twin).exists()
    ):
        merge_customers(twin.pk, user.pk, reason="微信 UnionID：与导入的会员为同一人")


def _new_identity(appid, openid, kind, unionid, nickname, avatar_url, now) -> WeChatIdentity:
    sibling = (
        WeChatIdentity.objects.select_related("user")
        .filter(unionid=unionid, user__is_active=True)
        .order_by("id")
        .first()
        if unionid
        else None
    )
    owner = None if sibling is not None or not unionid else lookups.owner_of_unionid(unionid)
    user = sibling.user if sibling is not None else User.objects.filter(pk=owner, is_active=True).first()
    if user is None:
        user = User(
            username=_wechat_username(appid, openid), nickname=nickname[:64], avatar_url=avatar_url[:200]
        )
        user.set_unusable_password()
        user.save()
    return WeChatIdentity.objects.create(
        user=user,
        appid=appid,
        openid=openid,
        unionid=unionid or None,
        kind=kind,
        nickname=nickname[:64],
        avatar_url=avatar_url[:512],
        last_login_at=now,
    )


def is_wechat_only(user: User) -> bool:
    """A customer WeChat login created (no password of their own): the one that links into a store account."""
    return user.username.startswith(WECHAT_USERNAME_PREFIX) and not user.has_usable_password()


# -- merging ----------------------------------------------------------------------------------------------


def _user_foreign_keys() -> list[tuple[type[models.Model], models.Field]]:
    """Every concrete FK / one-to-one to User in the project's own apps, from the app registry (so a new
    app's FK is moved without anyone updating a list). Third-party FKs (the admin log) are staff audit
    trails and stay; the merge record, Member and the points ledger (moved by value, with entries on
    both sides) are handled apart. "Done by
    staff" columns are moved too: they never point at a customer, and staff accounts are never merged."""
    skip = {CustomerMerge, Member, PointsEntry}
    found = []
    for model in apps.get_models():
        if model in skip or not model._meta.app_config.name.startswith("wxmall."):
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is User and (field.many_to_one or field.one_to_one):
                found.append((model, field))
    return found


def _label(model, field) -> str:
    return f"{model._meta.label_lower}.{field.name}"


def _move_rows(model, field, source: User, target: User) -> tuple[list[int], list[int]]:
    """Move every row of `model` whose `field` is source to target. A row a unique rule forbids on the
    target (a cart line for a SKU the target also has) stays with the source and is reported as kept."""
    manager = model._base_manager
    pks = list(manager.filter(**{field.attname: source.pk}).order_by("pk").values_list("pk", flat=True))
    if not pks:
        return [], []
    try:
        with transaction.atomic():
            manager.filter(pk__in=pks).update(**{field.attname: target.pk})
        return pks, []
    except IntegrityError:
        pass
    moved, kept = [], []
    for pk in pks:
        try:
            with transaction.atomic():
                manager.filter(pk=pk).update(**{field.attname: target.pk})
            moved.append(pk)
        except IntegrityError:
            kept.append(pk)
    return moved, kept


def _lock_pair(a: int, b: int) -> dict[int, User]:
    """Both customers' rows locked in id order (no deadlock between two merges of the same pair)."""
    rows = User.objects.select_for_update().filter(pk__in=[a, b]).order_by("pk")
    return {u.pk: u for u in rows}


def _live_merge_of(user_id: int) -> bool:
    return CustomerMerge.objects.filter(source_id=user_id, reversed_at__isnull=True).exists()


def merge_customers(
    source_id: int, target_id: int, *, staff: User | None = None, reason: str = ""
) -> CustomerMerge:
    """Fold customer `source` into `target`: every row that points at source (orders, coupons used,
    addresses, identities, points entries, …) moves under row locks, points and paid total are added to
    the target's membership, the source is deactivated, and what moved is recorded for a reversal."""
    if source_id == target_id:
        raise DomainError(AccountError.MERGE_INTO_SELF)
    with transaction.atomic():
        users = _lock_pair(source_id, target_id)
        source, target = users.get(source_id), users.get(target_id)
        if source is None or target is None:
            raise DomainError(
                AccountError.MERGE_SOURCE_MERGED if source is None else AccountError.MERGE_TARGET_MERGED
            )
        if source.is_staff or target.is_staff or source.is_superuser or target.is_superuser:
            raise DomainError(AccountError.MERGE_STAFF)
        if _live_merge_of(target.pk):
            raise DomainError(AccountError.MERGE_TARGET_MERGED)
        if _live_merge_of(source.pk):
            raise DomainError(AccountError.MERGE_SOURCE_MERGED)

        # One default address per customer: the target's stays the default, the source's joins as plain.
        cleared_defaults: list[int] = []
        if Address.objects.filter(user=target, is_default=True).exists():
            cleared_defaults = list(
                Address.objects.filter(user=source, is_default=True).values_list("pk", flat=True)
            )
            Address.objects.filter(pk__in=cleared_defaults).update(is_default=False)

        moved: dict[str, list[int]] = {}
        kept: dict[str, list[int]] = {}
        for model, field in _user_foreign_keys():
            rows_moved, rows_kept = _move_rows(model, field, source, target)
            if rows_moved:
                moved[_label(model, field)] = rows_moved
            if rows_kept:
                kept[_label(model, field)] = rows_kept
        if cleared_defaults:
            moved["accounts.address.cleared_default"] = cleared_defaults

        points_moved, paid_moved = points.move_membership(source, target)
        copied = _copy_profile(source, target)
        User.objects.filter(pk=source.pk).update(is_active=False)
        return CustomerMerge.objects.create(
            source=source,
            target=target,
            staff=staff,
            reason=reason[:200],
            moved=moved,
            kept=kept,
            points_moved=points_moved,
            paid_total_moved=paid_moved,
            fields_copied=copied,
            source_was_active=source.is_active,
            reversible_until=timezone.now() + timedelta(days=settings.ACCOUNTS_MERGE_REVERSIBLE_DAYS),
        )


# Profile fields a merge fills in on the target when it has none (the source keeps its own copy).
PROFILE_FIELDS = ("phone", "email", "nickname", "avatar_url", "first_name", "last_name")


def _copy_profile(source: User, target: User) -> dict:
    """Fill the target's empty profile fields from the source (the phone with its lookup hash) and the
    membership's start from the earlier of the two; what changed is returned for the reversal."""
    changes = {f: getattr(source, f) for f in PROFILE_FIELDS if getattr(source, f) and not getattr(target, f)}
    if "phone" in changes:
        changes["phone_hash"] = source.phone_hash or phones.phone_hash(source.phone)
    if changes:
        User.objects.filter(pk=target.pk).update(**changes)
    copied = {f: True for f in changes if f != "phone_hash"}
    source_member = Member.objects.filter(user=source).first()
    target_member = Member.objects.filter(user=target).first()
    if source_member and target_member and source_member.joined_at < target_member.joined_at:
        Member.objects.filter(pk=target_member.pk).update(
            joined_at=source_member.joined_at, source=source_member.source
        )
        copied["member_joined_at"] = target_member.joined_at.isoformat()
        copied["member_source"] = target_member.source
    return copied


def _uncopy_profile(source: User, target: User, copied: dict) -> None:
    """Undo `_copy_profile`: a field the target still holds unchanged goes back to empty."""
    target.refresh_from_db()
    cleared = {f: "" for f in PROFILE_FIELDS if copied.get(f) and getattr(target, f) == getattr(source, f)}
    if "phone" in cleared:
        cleared["phone_hash"] = ""
    if cleared:
        User.objects.filter(pk=target.pk).update(**cleared)
    if "member_joined_at" in copied:
        Member.objects.filter(user=target).update(
            joined_at=datetime.fromisoformat(copied["member_joined_at"]), source=copied["member_source"]
        )


def reverse_merge(merge_id: int, *, staff: User) -> CustomerMerge:
    """Undo a merge before its deadline: exactly the recorded rows go back to the source, the moved points
    and paid total are taken back from the target (refused if the target already spent those points)."""
    with transaction.atomic():
        merge = CustomerMerge.objects.select_for_update().filter(pk=merge_id).first()
        if merge is None or merge.reversed_at is not None or merge.reversible_until <= timezone.now():
            raise DomainError(AccountError.MERGE_NOT_REVERSIBLE)
        users = _lock_pair(merge.source_id, merge.target_id)
        source, target = users[merge.source_id], users[merge.target_id]
        if _live_merge_of(target.pk):  # the target was merged on: undo that one first
            raise DomainError(AccountError.MERGE_TARGET_MERGED)
        by_label = {_label(m, f): (m, f) for m, f in _user_foreign_keys()}
        for label, pks in merge.moved.items():
            if label == "accounts.address.cleared_default":
                continue
            model, field = by_label[label]
            model._base_manager.filter(pk__in=pks, **{field.attname: target.pk}).update(
                **{field.attname: source.pk}
            )
        cleared = merge.moved.get("accounts.address.cleared_default", [])
        if cleared and not Address.objects.filter(user=source, is_default=True).exists():
            Address.objects.filter(pk=cleared[0], user=source).update(is_default=True)
        points.unmove_membership(source, target, merge.points_moved, merge.paid_total_moved)
        _uncopy_profile(source, target, merge.fields_copied)
        if merge.source_was_active:
            User.objects.filter(pk=source.pk).update(is_active=True)
        CustomerMerge.objects.filter(pk=merge.pk).update(reversed_at=timezone.now(), reversed_by=staff)
        merge.refresh_from_db()
        return merge


def link_store_account(wechat_user: User, account: User) -> CustomerMerge:
    """A customer who logged in by WeChat proves they own a store account (its password, checked by the
    caller): the WeChat customer folds into that account, identities and all."""
    if not is_wechat_only(wechat_user):
        raise DomainError(AccountError.LINK_NOT_WECHAT)
    return merge_customers(wechat_user.pk, account.pk, reason="客户关联已有账号")


def bind_phone(user: User, phone: str) -> User:
    """A WeChat-verified phone number for `user`. When an imported customer (from the old shop, never
    logged in) has the same number, they are one person: the imported customer folds into `user` through
    the audited merge (orders history, points, tags move over; undoable by staff), so there is no
    duplicate and the logged-in session stays valid. Returns `user`."""
    normal = phones.normalize(phone) or phone[:32]
    with transaction.atomic():
        lock_customer(user)
        twins = (
            User.objects.filter(
                phone_hash=phones.phone_hash(normal),
                is_active=True,
                is_staff=False,
                username__startswith=IMPORTED_USERNAME_PREFIX,
            )
            .exclude(pk=user.pk)
            .order_by("pk")
        )
        for twin in twins:
            if not twin.has_usable_password() and not WeChatIdentity.objects.filter(user=twin).exists():
                merge_customers(twin.pk, user.pk, reason="绑定手机号：与导入的会员为同一人")
        set_phone(user, normal)
    return user


def set_phone(user: User, phone: str) -> None:
    """The phone number WeChat vouched for becomes the customer's (encrypted at rest, with its lookup
    hash over the normal form)."""
    normal = phones.normalize(phone) or phone[:32]
    User.objects.filter(pk=user.pk).update(phone=normal, phone_hash=phones.phone_hash(normal))
