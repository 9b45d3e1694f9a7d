"""The storefront's flash-sale checkout on both admission paths: queued, the buyer lands on the ticket
page (排队中…) and, once a worker made the order, the page leads to it; synchronous, straight to the
order. Refusals show the reason and keep no address the attempt added."""

import re

import pytest

from wxmall.accounts.models import Address
from wxmall.orders.models import Order

pytestmark = pytest.mark.django_db(transaction=True)


def _submit(client, shop, flash_sale, **fields):
    data = {
        "sku": shop["monitor_sku"].pk,
        "qty": 1,
        "flash_sale": flash_sale.pk,
        "idempotency_key": "fs-page",
    }
    return client.post("/checkout/", {**data, **fields})


def test_flash_checkout_queues_then_shows_the_order(
    flash_mode, customer_client, customer, shop, flash_sale, address
):
    response = _submit(customer_client, shop, flash_sale, address=address.pk)
    assert response.status_code == 302
    if flash_mode.queued:
        assert re.fullmatch(r"/flash/[0-9a-f]{32}/", response.url)
        page = customer_client.get(response.url).content.decode()
        assert "排队中…" in page and "请勿关闭页面" in page and "flash.js" in page
        assert not Order.objects.exists()
        flash_mode.settle()
        page = customer_client.get(response.url).content.decode()
    else:
        page = customer_client.get(response.url).content.decode()
    order = Order.objects.get(user=customer)
    assert order.total == 199900 and order.order_no in page
    # The same submission again (a double click) leads to the same order, not a second one.
    again = _submit(customer_client, shop, flash_sale, address=address.pk)
    assert again.status_code == 302 and order.order_no in customer_client.get(again.url).content.decode()
    assert Order.objects.filter(user=customer).count() == 1


def test_a_refused_flash_checkout_keeps_no_new_address(
    flash_mode, customer_client, customer, shop, flash_sale, address
):
    _submit(customer_client, shop, flash_sale, address=address.pk)
    flash_mode.settle()
    response = _submit(
        customer_client,
        shop,
        flash_sale,
        idempotency_key="fs-second",
        address="new",
        recipient="张三",
        phone="13800138000",
        province="广东省",
        city="深圳市",
        district="南山区",
        detail="科技园 1 号",
    )
    assert response.status_code == 409 and "超出秒杀每人限购数量" in response.content.decode()
    assert list(Address.objects.filter(user=customer)) == [address]


def test_someone_elses_ticket_page_is_not_found(
    flash_mode, customer_client, shop, flash_sale, address, client
):
    response = _submit(customer_client, shop, flash_sale, address=address.pk)
    flash_mode.settle()
    ticket_url = response.url if response.url.startswith("/flash/") else None
    from django.test import Client

    from wxmall.accounts.testing import make_customer

    stranger = Client()
    stranger.force_login(make_customer("stranger"))
    if ticket_url:
        assert stranger.get(ticket_url).status_code == 404
    assert stranger.get("/flash/" + "0" * 32 + "/").status_code == 404
    assert stranger.get("/flash/not-a-ticket/").status_code == 404
