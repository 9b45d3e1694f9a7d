"""Double submits racing for real: two threads post the same checkout form at the same moment, each
with its own session connection, on the real database (SQLite file or PostgreSQL)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from wxmall.accounts.models import Address
from wxmall.catalog.models import SKU
from wxmall.checkout import actions
from wxmall.orders.models import Order

FORM = {
    "address": "new",
    "recipient": "李四",
    "phone": "13900001111",
    "province": "北京市",
    "city": "北京市",
    "district": "海淀区",
    "detail": "中关村大街 1 号",
    "idempotency_key": "double-click-1",
}


@pytest.mark.django_db(transaction=True)
def test_simultaneous_double_submit_places_one_order_and_saves_one_address(shop, customer):
    actions.add_to_cart(customer, shop["sku"].pk, 2)
    barrier = threading.Barrier(2)
    results: list = []

    def submit():
        client = Client()
        client.force_login(customer)
        try:
            barrier.wait()
            response = client.post("/checkout/", FORM)
            results.append((response.status_code, response.get("Location")))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    order = Order.objects.get(user=customer)
    assert results == [(302, f"/orders/{order.order_no}/")] * 2
    assert Address.objects.filter(user=customer).count() == 1
    assert SKU.objects.get(pk=shop["sku"].pk).stock == 18
