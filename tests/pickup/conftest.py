"""Pickup fixtures: two stores (one closed), a pickup order placed through checkout, and that order paid
through `orders.actions.mark_paid` (the call WeChat Pay's notify ends in)."""

import pytest


@pytest.fixture
def store(db):
    from wxmall.pickup.testing import make_store

    return make_store(name="深圳南山店", address="深圳市南山区科苑路 15 号", phone="0755-86001234")


@pytest.fixture
def closed_store(db):
    from wxmall.pickup.testing import make_store

    return make_store(name="已闭店", active=False)


@pytest.fixture
def pickup_order(customer, sku, store):
    from wxmall.checkout.actions import place_order

    return place_order(customer, items=[(sku.pk, 1)], pickup_store_id=store.pk)


@pytest.fixture
def paid_pickup(pickup_order):
    from wxmall.pickup.testing import mark_paid

    mark_paid(pickup_order)
    return pickup_order.pickup.__class__.objects.get(order=pickup_order)


@pytest.fixture
def clerk(db):
    """Staff allowed to verify pickups (the permission, not superuser)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user("clerk", password="pw-clerk-123", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="verify_pickup", content_type__app_label="pickup")
    )
    return get_user_model().objects.get(pk=user.pk)  # fresh: permissions are cached per instance
