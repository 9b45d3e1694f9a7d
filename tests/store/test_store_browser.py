"""The Store journey in a real browser: staff connect the shop, map a category and sync a product from
the console; it passes audit in wxsandbox's Store; a sandbox buyer orders it; the order appears on the
page, is shipped there, and the delivery reaches the Store."""

import pytest

from helpers.browser import console_login
from wxmall.core.relay import relay
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus
from wxmall.store import tasks
from wxmall.store.models import StoreProduct, StoreSku, SyncState
from wxmall.store.testing import make_store_product
from wxmall.wechat import client


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_syncs_a_product_and_ships_its_store_order(
    page, live_server, settings, wxsandbox, csp_violations
):
    from django.contrib.auth import get_user_model

    from wxmall.wechat.clients import registry
    from wxmall.wechat.testing import forget_credentials, use_sandbox
    from wxsandbox.config import STORE

    use_sandbox(settings, wxsandbox)
    app = wxsandbox.app_of_kind(STORE)
    settings.WECHAT_APPS = {**settings.WECHAT_APPS, "store": {"appid": app.appid, "secret": app.secret}}
    forget_credentials(settings)
    registry().recorder.discard()
    get_user_model().objects.create_superuser("boss", password="pw-boss-123")
    product = make_store_product(
        mapped=False, brand="自有", skus=[{"price": 399_900, "stock": 20, "memory": "16G"}]
    )
    base = live_server.url

    console_login(page, f"{base}/console/store/", "boss", "pw-boss-123")
    page.get_by_role("button", name="连接微信小店").click()
    page.get_by_text("已连接微信小店").wait_for()
    page.get_by_text("企业店").first.wait_for()

    row = page.locator("tr", has_text=product.category.name)
    row.get_by_label("类目 ID 路径").fill("10000111,10000113,6091")
    row.get_by_role("button", name="保存").click()
    page.get_by_text("类目映射已保存").wait_for()
    page.locator("tr", has_text=product.title).get_by_role("button", name="同步到微信小店").click()
    page.get_by_text("已排队同步到微信小店").wait_for()
    relay()  # the worker's outbox relay
    page.reload()
    page.locator("tr", has_text=product.title).get_by_text("已上架").wait_for()
    assert StoreProduct.objects.get().state == SyncState.LIVE

    s = StoreSku.objects.select_related("store_product").get()
    placed = wxsandbox.control(
        "POST",
        "store/orders",
        json={"user": "xiaoming", "product_id": s.store_product.store_product_id, "sku_id": s.store_sku_id},
    )["order"]
    wxsandbox.control("POST", f"store/orders/{placed['order_id']}/pay")
    tasks.poll_orders()
    page.reload()
    order_row = page.locator("tr", has_text=placed["order_id"])
    order_row.get_by_text("待发货").wait_for()
    order_row.get_by_label("运单号").fill("SF1234567890")
    order_row.get_by_role("button", name="发货").click()
    page.get_by_text("已发货，物流信息正在同步到微信小店").wait_for()
    relay()
    assert Order.objects.get().status == OrderStatus.SHIPPED
    assert client("store").store.order_get(placed["order_id"])["status"] == 30
    assert csp_violations == []
