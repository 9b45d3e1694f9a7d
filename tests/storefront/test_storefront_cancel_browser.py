"""Cancelling an order in a real browser under the Content-Security-Policy: the confirm dialog (a data
attribute handled by storefront.js, no inline handler) stops the form when dismissed and lets it through
when accepted."""

import pytest
from django.contrib.auth import get_user_model

from wxmall.accounts import actions as accounts
from wxmall.checkout import actions as checkout
from wxmall.orders.models import Order
from wxmall.orders.state import OrderStatus


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_customer_cancels_an_order_through_the_confirm_dialog(page, live_server, shop, csp_violations):
    base = live_server.url
    page.goto(f"{base}/login/?next=/orders/")
    page.fill("#id_nickname", "取消测试")
    page.get_by_role("button", name="登录 / 注册").click()
    page.wait_for_url(f"{base}/orders/")
    user = get_user_model().objects.get(nickname="取消测试")
    address = accounts.add_address(
        user,
        recipient="张三",
        phone="13812345678",
        province="广东省",
        city="深圳市",
        district="南山区",
        detail="科技园南路 88 号",
    )
    order = checkout.place_order(user, items=[(shop["sku"].pk, 1)], address_id=address.pk)

    answers = iter([False, True])
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept() if next(answers) else dialog.dismiss()

    page.on("dialog", answer)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{base}/orders/{order.order_no}/")
    page.get_by_role("button", name="取消订单").click()
    # A submitted form issues its request at once; a round trip later, a dismissed confirm has sent none.
    page.evaluate("fetch('/healthz').then(r => r.status)")
    assert posts == [] and Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    page.get_by_role("button", name="取消订单").click()
    page.wait_for_load_state("load")
    page.get_by_text("已取消").first.wait_for()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert dialogs == ["确定取消该订单吗？"] * 2 and len(posts) == 1
    assert csp_violations == []
