"""My orders: list with status tabs, detail with timeline, the customer's cancel, and privacy."""

import pytest

from wxmall.accounts import actions as accounts
from wxmall.catalog.models import SKU
from wxmall.checkout import actions as checkout
from wxmall.orders import actions as orders
from wxmall.orders.models import Order, OrderEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(shop):
    def place(user, sku=None, quantity=1, note=""):
        address = accounts.add_address(
            user,
            recipient="张三",
            phone="13812345678",
            province="广东省",
            city="深圳市",
            district="南山区",
            detail="科技园南路 88 号",
        )
        return checkout.place_order(
            user, items=[((sku or shop["sku"]).pk, quantity)], address_id=address.pk, note=note
        )

    return place


def test_my_orders_lists_orders_with_status(customer_client, customer, place):
    order = place(customer)
    html = customer_client.get("/orders/").content.decode()
    assert order.order_no in html and "待支付" in html and "¥8,999.00" in html


def test_status_tabs_filter(customer_client, customer, place, shop):
    pending = place(customer)
    cancelled = place(customer, sku=shop["monitor_sku"])
    orders.cancel_by_customer(customer, cancelled.order_no)
    html = customer_client.get("/orders/?status=pending_payment").content.decode()
    assert pending.order_no in html and cancelled.order_no not in html
    html = customer_client.get("/orders/?status=cancelled").content.decode()
    assert cancelled.order_no in html and pending.order_no not in html
    assert customer_client.get("/orders/?status=bogus").status_code == 200  # unknown tab: all orders


def test_order_list_does_a_fixed_number_of_queries(customer_client, customer, place, shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    place(customer)
    with CaptureQueriesContext(connection) as few:
        customer_client.get("/orders/")
    for _ in range(6):
        place(customer, sku=shop["monitor_sku"])
    with CaptureQueriesContext(connection) as many:
        customer_client.get("/orders/")
    assert len(many) == len(few)


def test_order_detail_for_its_owner(customer_client, customer, place):
    order = place(customer, quantity=2, note="请放门卫")
    response = customer_client.get(f"/orders/{order.order_no}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "待支付 — 请使用微信支付" in html
    assert "张三 13812345678" in html and "科技园南路 88 号" in html  # full address for the owner
    assert "联想 ThinkPad X1 Carbon" in html and "× 2" in html and "¥17,998.00" in html
    assert "请放门卫" in html
    assert "下单" in html  # the timeline shows the placement event
    assert "取消订单" in html


def test_another_customers_order_is_a_404(client, customer, other_customer, place):
    order = place(customer)
    client.force_login(other_customer)
    response = client.get(f"/orders/{order.order_no}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "订单不存在" in html and "张三" not in html and "13812345678" not in html
    assert order.order_no not in client.get("/orders/").content.decode()
    # Nor can they cancel it.
    response = client.post(f"/orders/{order.order_no}/cancel/")
    assert response.status_code == 404
    assert Order.objects.get(pk=order.pk).status == "pending_payment"


def test_unknown_order_number_is_a_404(customer_client):
    assert customer_client.get("/orders/WX000000/").status_code == 404


def test_cancel_a_pending_order(customer_client, customer, place, shop):
    order = place(customer, quantity=3)
    assert SKU.objects.get(pk=shop["sku"].pk).stock == 17
    response = customer_client.post(f"/orders/{order.order_no}/cancel/", follow=True)
    html = response.content.decode()
    assert "订单已取消" in html and f"/orders/{order.order_no}/cancel/" not in html  # no button any more
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert SKU.objects.get(pk=shop["sku"].pk).stock == 20  # stock given back by orders.actions


def test_cancelling_twice_is_refused_with_a_message(customer_client, customer, place):
    order = place(customer)
    customer_client.post(f"/orders/{order.order_no}/cancel/")
    events = OrderEvent.objects.count()
    response = customer_client.post(f"/orders/{order.order_no}/cancel/")
    assert response.status_code == 409
    assert "订单当前为「已取消」，不能执行此操作" in response.content.decode()
    assert OrderEvent.objects.count() == events


def test_cancel_needs_a_post(customer_client, customer, place):
    order = place(customer)
    assert customer_client.get(f"/orders/{order.order_no}/cancel/").status_code == 405
    assert Order.objects.get(pk=order.pk).status == "pending_payment"


def test_me_page_counts_orders_by_status(customer_client, customer, place):
    place(customer)
    place(customer)
    html = customer_client.get("/me/").content.decode()
    assert "爱丽丝" in html
    assert "<b>2</b>待支付" in html


def test_order_list_pages(customer_client, customer, place):
    for _ in range(12):
        place(customer)
    first = customer_client.get("/orders/").content.decode()
    assert first.count('class="order-card"') == 10 and "1 / 2" in first
    second = customer_client.get("/orders/?page=2").content.decode()
    assert second.count('class="order-card"') == 2
    assert customer_client.get("/orders/?page=abc").status_code == 200
