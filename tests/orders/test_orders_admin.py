"""Admin for orders, coupons and flash sales: masked lists, status moves only through transitions."""

import pytest
from django.test import Client
from django.utils import timezone

from wxmall.accounts.testing import make_customer
from wxmall.checkout import actions as checkout
from wxmall.checkout.testing import make_coupon, make_flash_sale
from wxmall.orders import actions
from wxmall.orders.models import Order, OrderEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    client = Client()
    client.force_login(make_customer("boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def order(customer, address, sku):
    return checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)


def test_order_list_masks_personal_data(admin_client, order):
    page = admin_client.get("/admin/orders/order/").content.decode()
    assert order.order_no in page and "138****5678" in page and "张*" in page
    assert "13812345678" not in page
    detail = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "科技园路 1 号" in detail and "下单" in detail  # full address for shipping; event inline


def test_status_is_not_editable_and_orders_cannot_be_added_or_deleted(admin_client, order):
    response = admin_client.post(f"/admin/orders/order/{order.pk}/change/", {"status": "completed"})
    order.refresh_from_db()
    assert order.status == "pending_payment" and response.status_code in (200, 302, 403)
    assert admin_client.get("/admin/orders/order/add/").status_code == 403
    assert admin_client.get(f"/admin/orders/order/{order.pk}/delete/").status_code == 403


def test_ship_action_ships_nothing_and_opens_the_console_shipping_page(admin_client, order):
    """The admin has no courier or tracking number to give: 发货 hands over to fulfilment's page."""
    actions.mark_paid(order.order_no, "T-1", timezone.now(), order.total)
    response = admin_client.post("/admin/orders/order/", {"action": "ship", "_selected_action": [order.pk]})
    assert response.status_code == 302 and response["Location"] == f"/console/fulfilment/orders/{order.pk}/"
    order.refresh_from_db()
    assert order.status == "paid" and not OrderEvent.objects.filter(order=order, to_status="shipped").exists()
    # Shipping there still needs a tracking number: without one, nothing is written.
    refused = admin_client.post(response["Location"], {"courier": "SF", "tracking_no": ""})
    order.refresh_from_db()
    assert refused.status_code >= 400 and order.status == "paid" and not order.shipments.exists()


def test_ship_action_on_several_orders_opens_the_awaiting_list(admin_client, order, customer, address, sku):
    other = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    for placed, txn in ((order, "T-1"), (other, "T-2")):
        actions.mark_paid(placed.order_no, txn, timezone.now(), placed.total)
    response = admin_client.post(
        "/admin/orders/order/", {"action": "ship", "_selected_action": [order.pk, other.pk]}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/console/fulfilment/"
    assert "逐个订单填写快递公司和运单号" in response.content.decode()
    assert set(Order.objects.values_list("status", flat=True)) == {"paid"}


def test_cancel_action_releases_stock(admin_client, order, sku):
    admin_client.post("/admin/orders/order/", {"action": "cancel", "_selected_action": [order.pk]})
    sku.refresh_from_db()
    order.refresh_from_db()
    assert order.status == "cancelled" and sku.stock == 10


def test_coupon_and_flash_sale_admin_pages(admin_client, sku):
    coupon = make_coupon(code="ADMIN", value=3000, threshold=20000, total_quota=100)
    sale = make_flash_sale(sku, quota=9)
    page = admin_client.get("/admin/checkout/coupon/").content.decode()
    assert "ADMIN" in page and "满 200.00 元减 30.00 元" in page and "0 / 100" in page
    assert admin_client.get(f"/admin/checkout/coupon/{coupon.pk}/change/").status_code == 200
    page = admin_client.get("/admin/checkout/flashsale/").content.decode()
    assert "0 / 9" in page
    assert admin_client.get(f"/admin/checkout/flashsale/{sale.pk}/change/").status_code == 200


def test_non_staff_are_refused(api, order):
    response = api.get("/admin/orders/order/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_order_amounts_read_in_yuan(admin_client, order):
    from wxmall.core.money import format_yuan

    listing = admin_client.get("/admin/orders/order/").content.decode()
    assert "应付金额" in listing and format_yuan(order.total) in listing
    detail = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert format_yuan(order.subtotal) in detail and format_yuan(order.shipping_fee) in detail
    assert "(分)" not in detail and f">{order.total}<" not in detail
