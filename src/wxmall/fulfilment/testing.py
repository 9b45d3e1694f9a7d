"""Test factories for fulfilment: staff holding given permissions, a paid order, a freight template."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import Permission
from django.utils import timezone

from .models import FreightMethod, FreightRule, FreightTemplate


def make_staff(*codenames: str, username: str | None = None):
    """An active staff user with exactly these permissions (codenames, e.g. "ship_order")."""
    from wxmall.accounts.testing import make_customer

    user = make_customer(username or f"staff-{uuid.uuid4().hex[:8]}", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)  # fresh: no permission cache from before the grant


def mark_paid(order):
    """The order paid as WeChat Pay's notification would record it (no Payment row: not refundable)."""
    from wxmall.orders import actions

    return actions.mark_paid(order.order_no, f"tx-{order.order_no}", timezone.now(), order.total)


def make_template(
    name: str = "标准快递", *, method: str = FreightMethod.COUNT, rules=(), default=False, **fields
):
    """A template with `rules`: (provinces, first_units, first_fee, additional_units, additional_fee)."""
    template = FreightTemplate.objects.create(name=name, method=method, is_default=default, **fields)
    for provinces, first_units, first_fee, additional_units, additional_fee in rules:
        FreightRule.objects.create(
            template=template,
            provinces=list(provinces),
            first_units=first_units,
            first_fee=first_fee,
            additional_units=additional_units,
            additional_fee=additional_fee,
        )
    return template
