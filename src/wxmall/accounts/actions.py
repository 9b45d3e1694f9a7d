"""State changes of a customer's account: the address book. Each public function is one transaction.

Per-customer limits (CHECKOUT_MAX_ADDRESSES) are counted while holding the customer's own `User` row
lock (`lock_customer`), so two parallel requests of one customer queue instead of both passing the
check; other customers are not blocked. Checkout takes the same lock first (see `checkout.actions`).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction

from wxmall.core.errors import DomainError

from .errors import AccountError
from .models import Address, User

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
    """Serialize this customer's own writes (address book, cart, placement) on their `User` row."""
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
