"""Export and erasure of one customer's personal data, each in one transaction with its audit entry."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.db import transaction
from django.utils import timezone

from wxmall.accounts.models import Address, User, WeChatIdentity
from wxmall.audit.actions import record
from wxmall.core.errors import DomainError
from wxmall.orders.models import Order

from .errors import PrivacyError
from .models import DataRequest

ERASED_NAME = "已注销用户"
ERASED_TEXT = "（已删除）"


def _customer(customer_id: int, *, lock: bool = False) -> User:
    qs = User.objects.select_for_update() if lock else User.objects
    user = qs.filter(pk=customer_id).first()
    if user is None:
        raise DomainError(PrivacyError.NOT_A_CUSTOMER)
    if user.is_staff or user.is_superuser:
        raise DomainError(PrivacyError.STAFF_ACCOUNT)
    return user


def _rows(qs, fields: list[str]) -> list[dict[str, Any]]:
    return [{f: _plain(getattr(obj, f)) for f in fields} for obj in qs]


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def collect(user: User) -> dict[str, Any]:
    """Everything the hub holds about the customer, decrypted (this is their copy of their data)."""
    profile = {
        f: _plain(getattr(user, f))
        for f in ("id", "username", "nickname", "email", "phone", "date_joined", "last_login")
    }
    orders = Order.objects.filter(user=user).prefetch_related("lines").order_by("id")
    return {
        "profile": profile,
        "addresses": _rows(
            user.addresses.all(),
            ["recipient", "phone", "province", "city", "district", "detail", "is_default", "created_at"],
        ),
        "wechat_identities": _rows(
            user.wechat_identities.all(),
            ["appid", "openid", "unionid", "kind", "nickname", "created_at", "last_login_at"],
        ),
        "orders": [
            {
                **{
                    f: _plain(getattr(o, f))
                    for f in (
                        "order_no",
                        "status",
                        "created_at",
                        "ship_recipient",
                        "ship_phone",
                        "ship_province",
                        "ship_city",
                        "ship_district",
                        "ship_detail",
                        "note",
                    )
                },
                "lines": _rows(o.lines.all(), ["product_title", "spec_label", "quantity", "unit_price"]),
            }
            for o in orders
        ],
    }


def export(customer_id: int, staff, reason: str) -> bytes:
    """A ZIP with one JSON file per kind of data, recorded and audited (the audit says that, not what)."""
    with transaction.atomic():
        user = _customer(customer_id)
        data = collect(user)
        DataRequest.objects.create(
            kind=DataRequest.Kind.EXPORT, customer_id=user.pk, staff=staff, reason=reason[:200]
        )
        record(
            staff,
            "privacy.export",
            ("accounts.user", user.pk, f"用户 #{user.pk}"),
            f"导出用户 #{user.pk} 的个人信息",
            {"reason": reason[:200]},
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in data.items():
            archive.writestr(f"{name}.json", json.dumps(part, ensure_ascii=False, indent=2, default=str))
    return buffer.getvalue()


def erase(customer_id: int, staff, reason: str) -> dict[str, int]:
    """Wipe the customer's personal fields: profile, addresses and WeChat identities go; orders stay (tax
    records) with recipient, phone and street detail anonymised. The account can no longer log in."""
    with transaction.atomic():
        user = _customer(customer_id, lock=True)
        if user.username.startswith("erased-"):
            raise DomainError(PrivacyError.ALREADY_ERASED)
        orders = Order.objects.filter(user=user).update(
            ship_recipient=ERASED_NAME, ship_phone="", ship_detail=ERASED_TEXT, note=""
        )
        addresses = Address.objects.filter(user=user).delete()[0]
        identities = WeChatIdentity.objects.filter(user=user).delete()[0]
        User.objects.filter(pk=user.pk).update(
            username=f"erased-{user.pk}",
            nickname=ERASED_NAME,
            first_name="",
            last_name="",
            email="",
            avatar_url="",
            phone="",
            phone_hash="",
            is_active=False,
            password="!",  # unusable
        )
        counts = {"orders_anonymised": orders, "addresses": addresses, "wechat_identities": identities}
        DataRequest.objects.create(
            kind=DataRequest.Kind.ERASE, customer_id=user.pk, staff=staff, reason=reason[:200]
        )
        record(
            staff,
            "privacy.erase",
            ("accounts.user", user.pk, f"用户 #{user.pk}"),
            f"删除用户 #{user.pk} 的个人信息（订单保留并匿名化）",
            {
                "orders_anonymised": orders,
                "deleted_shipping_rows": addresses,
                "deleted_identities": identities,
                "reason": reason[:200],
                "at": timezone.now().isoformat(),
            },
        )
    return counts
