"""Factories for tests of any app that needs customers and addresses (shipped, like django-oscar's). Each
creates real rows through the ORM; nothing here is used by the running shop."""

from __future__ import annotations

import uuid

from .models import Address, User


def make_customer(username: str | None = None, **fields) -> User:
    return User.objects.create(username=username or f"buyer-{uuid.uuid4().hex[:10]}", **fields)


def make_address(user: User, **fields) -> Address:
    data = {
        "recipient": "张三",
        "phone": "13812345678",
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "detail": "科技园路 1 号 A 座 101",
        "is_default": False,
        **fields,
    }
    return Address.objects.create(user=user, **data)


def give_points(user: User, amount: int) -> int:
    """Credit `amount` points the way staff would (an audited ADJUST entry); returns the new balance."""
    from . import points

    staff = make_customer(f"staff-{uuid.uuid4().hex[:10]}", is_staff=True)
    return points.adjust(user, amount, staff=staff, reason="测试赠送积分")
