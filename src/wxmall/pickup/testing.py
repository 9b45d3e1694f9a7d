"""Factories for tests (and other apps' tests)."""

from __future__ import annotations

from itertools import count

from .models import PickupStore

_numbers = count(1)


def make_store(**fields) -> PickupStore:
    n = next(_numbers)
    values = {
        "name": f"测试门店{n}",
        "address": f"广东省深圳市南山区测试路 {n} 号",
        "hours": "每天 10:00–22:00",
        "phone": "0755-80000000",
        "active": True,
    } | fields
    return PickupStore.objects.create(**values)
