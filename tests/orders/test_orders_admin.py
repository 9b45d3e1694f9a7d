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


def test_ship_action_goes_through_the_state_machine(admin_client, order, customer, address, sku):
    unpaid = checkout.place_order(customer, items=[(sku.pk, 1)], address_id=address.pk)
    actions.mark_paid(order.order_no, "T-1", timezone.now(), order.total)
    response = admin_client.post(
        "/admin/orders/order/", {"action": "ship", "_selected_action": [order.pk, unpaid.pk]}, follow=True
    )
    page = response.content.decode()
    assert "已发货 1 个订单" in page and f"{unpaid.order_no}：订单当前为「待支付」" in page
    assert dict(Order.objects.values_list("pk", "status")) == {
        order.pk: "shipped",
        unpaid.pk: "pending_payment",
    }
    event = OrderEvent.objects.get(order=order, to_status="shipped")
    assert event.actor_kind == "staff" and event.actor.username == "boss"


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
