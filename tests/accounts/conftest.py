import pytest


@pytest.fixture
def staff(db):
    from wxmall.accounts.models import User

    return User.objects.create_user("ops", password="x", is_staff=True)


@pytest.fixture
def paid_order(customer, address, sku):
    """A real order placed through checkout and marked paid the way payments does, with the outbox then
    relayed as the worker would (points accrue there)."""
    from django.utils import timezone

    from wxmall.checkout.actions import place_order
    from wxmall.core.relay import relay
    from wxmall.orders.actions import mark_paid

    order = place_order(customer, items=[(sku.id, 1)], address_id=address.id)
    paid = mark_paid(order.order_no, "tx-" + order.order_no, timezone.now(), order.total)
    relay()
    return paid
