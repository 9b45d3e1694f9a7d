"""Behaviour tags: rebuilt from paid orders, replaced (not appended) each run, imported tags kept."""

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _tags(user):
    from wxmall.members_import.models import CustomerTag

    return set(CustomerTag.objects.filter(user=user, source="behaviour").values_list("name", flat=True))


def test_tags_follow_behaviour_and_each_run_replaces_them(customer, other_customer, address, sku):
    from wxmall.checkout.actions import place_order
    from wxmall.growth.actions.tags import rebuild_behaviour_tags
    from wxmall.growth.testing import pay
    from wxmall.members_import.models import CustomerTag
    from wxmall.orders.models import Order

    CustomerTag.objects.create(user=customer, name="老客户", source="import")
    order = pay(place_order(customer, items=[(sku.pk, 1)], address_id=address.pk))
    place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)  # unpaid: not behaviour
    category = sku.product.category.name
    assert rebuild_behaviour_tags() == 3
    assert _tags(customer) == {"消费500-2000元", "近30天购买", f"买过:{category}"}
    assert _tags(other_customer) == set()
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=120))
    rebuild_behaviour_tags()
    assert "90天未购买" in _tags(customer) and "近30天购买" not in _tags(customer)
    assert (
        CustomerTag.objects.filter(user=customer, source="behaviour").count() == 3
    )  # replaced, not appended
    assert CustomerTag.objects.filter(user=customer, name="老客户", source="import").exists()
