import pytest

from payments.conftest import pay_hub  # noqa: F401  (fixture, found by name)


@pytest.fixture
def paid_order(pay_hub, customer, address, sku, cheap_sku):  # noqa: F811
    """An order for a laptop and two cables, paid by Native QR in wxsandbox (a refundable payment)."""
    from wxmall.checkout.actions import place_order
    from wxmall.payments import actions

    order = place_order(customer, items=[(sku.pk, 1), (cheap_sku.pk, 2)], address_id=address.pk)
    payment = actions.start_payment(order.order_no, customer, "native")
    pay_hub.control("POST", "pay/confirm", json={"code_url": payment.code_url, "user_id": "lihua"})
    assert actions.query_payment(payment.pk).outcome == "applied"
    order.refresh_from_db()
    return order


@pytest.fixture
def desk(db):
    from wxmall.fulfilment.testing import make_staff

    return make_staff("decide_aftersale", "ship_order", username="cs-desk")


@pytest.fixture(autouse=True)
def _photos_in_tmp(settings, tmp_path):
    """Customers' photos land in a per-test folder, not the checkout's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
