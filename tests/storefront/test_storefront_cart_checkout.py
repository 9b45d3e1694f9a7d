"""Cart and checkout pages: what they write on success, and that a refusal shows the reason with a 4xx
status and writes nothing."""

import re

import pytest
from django.urls import reverse

from helpers.db import assert_unchanged, snapshot
from wxmall.accounts import actions as accounts
from wxmall.accounts.models import Address
from wxmall.catalog.models import SKU
from wxmall.checkout import actions
from wxmall.checkout.models import CartLine
from wxmall.orders.models import Order

pytestmark = pytest.mark.django_db

NEW_ADDRESS = {
    "address": "new",
    "recipient": "李四",
    "phone": "139 0000 1111",
    "province": "北京市",
    "city": "北京市",
    "district": "海淀区",
    "detail": "中关村大街 1 号",
}


def idempotency_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


# --- adding from the product page -------------------------------------------------------------------
def test_anonymous_add_goes_to_login_and_back_to_the_product(client, shop):
    product_url = reverse("storefront:product", args=[shop["thinkpad"].pk])
    response = client.post(
        "/cart/add/", {"product": shop["thinkpad"].pk, "sku": shop["sku"].pk, "quantity": 1}
    )
    assert response.status_code == 302 and response.url == f"/login/?next={product_url}"
    assert CartLine.objects.count() == 0


def test_an_item_added_before_login_is_in_the_cart_after_login(client, customer, shop):
    other = SKU.objects.exclude(pk=shop["sku"].pk).filter(stock__gt=0).first()
    actions.add_to_cart(customer, shop["sku"].pk, 1)  # already in the cart from an earlier visit
    for sku, quantity in ((shop["sku"], 2), (other, 3), (shop["sku"], 1)):
        client.post(
            "/cart/add/", {"product": sku.product_id, "sku": sku.pk, "quantity": quantity, "intent": "cart"}
        )
    client.force_login(customer)
    assert dict(CartLine.objects.filter(user=customer).values_list("sku_id", "quantity")) == {
        shop["sku"].pk: 4,
        other.pk: 3,
    }
    assert "checkout.kept_cart" not in client.session
    client.logout()
    client.force_login(customer)  # merged once, not again at the next login
    assert CartLine.objects.get(user=customer, sku=shop["sku"]).quantity == 4


def test_a_kept_cart_is_capped_by_stock_and_skips_what_is_no_longer_for_sale(client, customer, shop):
    other = SKU.objects.exclude(pk=shop["sku"].pk).filter(stock__gt=0).first()
    for sku in (shop["sku"], other):
        client.post(
            "/cart/add/", {"product": sku.product_id, "sku": sku.pk, "quantity": 15, "intent": "cart"}
        )
    SKU.objects.filter(pk=shop["sku"].pk).update(stock=6)  # sold meanwhile
    SKU.objects.filter(pk=other.pk).update(is_active=False)
    client.force_login(customer)
    assert dict(CartLine.objects.filter(user=customer).values_list("sku_id", "quantity")) == {
        shop["sku"].pk: 6
    }


def test_an_anonymous_add_of_a_bad_item_keeps_nothing(client, shop):
    response = client.post("/cart/add/", {"product": shop["thinkpad"].pk, "sku": 999999, "quantity": 1})
    assert response.status_code == 404
    response = client.post(
        "/cart/add/", {"product": shop["thinkpad"].pk, "sku": shop["sku"].pk, "quantity": 0}
    )
    assert response.status_code == 400
    assert "checkout.kept_cart" not in client.session


def test_add_to_cart(customer_client, customer, shop):
    response = customer_client.post(
        "/cart/add/",
        {"product": shop["thinkpad"].pk, "sku": shop["sku"].pk, "quantity": 2, "intent": "cart"},
        follow=True,
    )
    assert "已加入购物车" in response.content.decode()
    assert CartLine.objects.get(user=customer).quantity == 2


@pytest.mark.parametrize(
    "quantity, status, message",
    [
        ("0", 400, "购买数量不正确"),
        ("abc", 400, "购买数量不正确"),
        ("1000", 400, "购买数量需在 1 到 99 之间"),
        ("21", 409, "库存不足，仅剩 20 件"),
    ],
)
def test_add_with_a_bad_quantity_is_refused(customer_client, shop, quantity, status, message):
    before = snapshot()
    response = customer_client.post(
        "/cart/add/",
        {"product": shop["thinkpad"].pk, "sku": shop["sku"].pk, "quantity": quantity, "intent": "cart"},
    )
    assert response.status_code == status
    assert message in response.content.decode()
    assert "ThinkPad" in response.content.decode()  # the product page again
    assert_unchanged(before)


def test_add_a_sold_out_or_unknown_sku_is_refused(customer_client, shop):
    before = snapshot()
    sold_out = SKU.objects.get(code="X1-I7-16-512-B")
    response = customer_client.post(
        "/cart/add/", {"product": shop["thinkpad"].pk, "sku": sold_out.pk, "quantity": 1}
    )
    assert response.status_code == 409 and "商品已售罄" in response.content.decode()
    response = customer_client.post(
        "/cart/add/", {"product": shop["thinkpad"].pk, "sku": 987654, "quantity": 1}
    )
    assert response.status_code == 404 and "商品不存在" in response.content.decode()
    assert_unchanged(before)


def test_buy_now_goes_to_checkout_without_touching_the_cart(customer_client, shop):
    response = customer_client.post(
        "/cart/add/", {"product": shop["thinkpad"].pk, "sku": shop["sku"].pk, "quantity": 2, "intent": "buy"}
    )
    assert response.status_code == 302
    assert response.url == f"/checkout/?sku={shop['sku'].pk}&qty=2"
    assert CartLine.objects.count() == 0


# --- the cart page ----------------------------------------------------------------------------------
def test_cart_page_lines_subtotal_and_steppers(customer_client, customer, shop):
    actions.add_to_cart(customer, shop["sku"].pk, 2)
    actions.add_to_cart(customer, shop["monitor_sku"].pk, 1)
    html = customer_client.get("/cart/").content.decode()
    assert "ThinkPad" in html and "U2724D" in html
    assert "¥20,497.00" in html  # 2 × 8,999 + 2,499
    assert "data-stepper" in html and "去结算" in html


def test_cart_empty_state(customer_client):
    assert "购物车还是空的" in customer_client.get("/cart/").content.decode()


def test_cart_update_and_remove(customer_client, customer, shop):
    actions.add_to_cart(customer, shop["sku"].pk, 1)
    customer_client.post("/cart/update/", {"sku": shop["sku"].pk, "quantity": 3})
    assert CartLine.objects.get(user=customer).quantity == 3
    response = customer_client.post("/cart/update/", {"sku": shop["sku"].pk, "quantity": 50})
    assert response.status_code == 409 and "库存不足" in response.content.decode()
    assert CartLine.objects.get(user=customer).quantity == 3
    customer_client.post("/cart/remove/", {"sku": shop["sku"].pk})
    assert not CartLine.objects.filter(user=customer).exists()


def test_cart_warns_about_stock_that_ran_out(customer_client, customer, shop):
    actions.add_to_cart(customer, shop["sku"].pk, 5)
    SKU.objects.filter(pk=shop["sku"].pk).update(stock=2)
    html = customer_client.get("/cart/").content.decode()
    assert "库存不足，仅剩 2 件" in html
    assert '<span class="btn" aria-disabled="true">去结算</span>' in html


# --- checkout -----------------------------------------------------------------------------------------
def test_checkout_with_an_empty_cart_goes_back_to_the_cart(customer_client):
    response = customer_client.get("/checkout/", follow=True)
    assert response.redirect_chain[-1][0] == "/cart/"
    assert "请选择要购买的商品" in response.content.decode()


def test_checkout_page_shows_quote_and_coupons(customer_client, customer, shop, coupon):
    actions.add_to_cart(customer, shop["sku"].pk, 2)  # ¥17,998: free shipping, coupon threshold met
    html = customer_client.get("/checkout/").content.decode()
    assert "¥17,998.00" in html and "包邮" in html and "新人券" in html
    assert "新增收货地址" not in html  # no address yet: the form is shown directly
    assert 'name="recipient"' in html
    html = customer_client.get("/checkout/?coupon=SAVE50").content.decode()
    assert "-¥50.00" in html and "¥17,948.00" in html and 'name="coupon" value="SAVE50"' in html


def test_checkout_from_cart_with_a_new_address_places_the_order(customer_client, customer, shop, coupon):
    actions.add_to_cart(customer, shop["sku"].pk, 2)
    key = idempotency_key(customer_client.get("/checkout/?coupon=SAVE50").content.decode())
    response = customer_client.post(
        "/checkout/", {**NEW_ADDRESS, "coupon": "SAVE50", "note": "工作日送货", "idempotency_key": key}
    )
    order = Order.objects.get(user=customer)
    assert response.status_code == 302 and response.url == f"/orders/{order.order_no}/"
    assert (order.subtotal, order.discount, order.total) == (1799800, 5000, 1794800)
    assert order.note == "工作日送货" and order.ship_phone == "13900001111"
    assert Address.objects.filter(user=customer).count() == 1
    assert not CartLine.objects.filter(user=customer).exists()
    assert SKU.objects.get(pk=shop["sku"].pk).stock == 18
    page = customer_client.get(response.url).content.decode()
    assert "下单成功" in page and "待支付 — 请使用微信支付" in page


def test_double_submit_returns_the_same_order_and_saves_one_address(customer_client, customer, shop):
    actions.add_to_cart(customer, shop["sku"].pk, 1)
    key = idempotency_key(customer_client.get("/checkout/").content.decode())
    first = customer_client.post("/checkout/", {**NEW_ADDRESS, "idempotency_key": key})
    second = customer_client.post("/checkout/", {**NEW_ADDRESS, "idempotency_key": key})
    assert first.url == second.url
    assert Order.objects.filter(user=customer).count() == 1
    assert Address.objects.filter(user=customer).count() == 1
    assert SKU.objects.get(pk=shop["sku"].pk).stock == 19


def test_buy_now_checkout_leaves_the_cart_alone(customer_client, customer, shop, address):
    actions.add_to_cart(customer, shop["monitor_sku"].pk, 1)
    page = customer_client.get(f"/checkout/?sku={shop['sku'].pk}&qty=1").content.decode()
    assert "ThinkPad" in page and "U2724D" not in page
    assert "张三" in page and "新增收货地址" in page  # the saved address is offered
    response = customer_client.post(
        "/checkout/",
        {"sku": shop["sku"].pk, "qty": 1, "address": address.pk, "idempotency_key": idempotency_key(page)},
    )
    assert response.status_code == 302
    order = Order.objects.get(user=customer)
    assert [line.sku_id for line in order.lines.all()] == [shop["sku"].pk]
    assert CartLine.objects.filter(user=customer).count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"phone": "12345"}, "请填写 11 位手机号"),
        ({"recipient": ""}, "请填写收货人"),
        ({"detail": ""}, "请填写详细地址"),
    ],
)
def test_invalid_new_address_is_refused_and_nothing_is_written(
    customer_client, customer, shop, change, message
):
    actions.add_to_cart(customer, shop["sku"].pk, 1)
    before = snapshot()
    response = customer_client.post("/checkout/", {**NEW_ADDRESS, **change, "idempotency_key": "k-1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "收货地址信息不完整或格式不正确" in html and message in html
    assert "中关村大街" in html or change.get("detail") == ""  # what was typed is kept
    assert_unchanged(before)


def test_out_of_stock_at_submit_writes_nothing_not_even_the_new_address(customer_client, customer, shop):
    actions.add_to_cart(customer, shop["sku"].pk, 5)
    key = idempotency_key(customer_client.get("/checkout/").content.decode())
    SKU.objects.filter(pk=shop["sku"].pk).update(stock=1)
    before = snapshot()
    response = customer_client.post("/checkout/", {**NEW_ADDRESS, "idempotency_key": key})
    assert response.status_code == 409
    assert "库存不足" in response.content.decode()
    assert_unchanged(before)


def test_someone_elses_address_is_not_found(customer_client, customer, other_customer, shop):
    theirs = accounts.add_address(
        other_customer,
        recipient="王五",
        phone="13700000000",
        province="上海市",
        city="上海市",
        district="黄浦区",
        detail="外滩 1 号",
    )
    actions.add_to_cart(customer, shop["sku"].pk, 1)
    before = snapshot()
    response = customer_client.post("/checkout/", {"address": theirs.pk, "idempotency_key": "k-2"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "收货地址不存在" in html and "外滩" not in html
    assert_unchanged(before)


def test_note_too_long_is_refused(customer_client, customer, shop, address):
    actions.add_to_cart(customer, shop["sku"].pk, 1)
    before = snapshot()
    response = customer_client.post(
        "/checkout/", {"address": address.pk, "note": "长" * 201, "idempotency_key": "k-3"}
    )
    assert response.status_code == 400 and "留言不能超过 200 个字" in response.content.decode()
    assert_unchanged(before)


def test_hostile_note_and_address_are_escaped_on_the_order_page(customer_client, customer, shop):
    actions.add_to_cart(customer, shop["sku"].pk, 1)
    hostile = "<script>alert('x')</script>"
    response = customer_client.post(
        "/checkout/",
        {**NEW_ADDRESS, "detail": hostile + "1 号", "note": hostile, "idempotency_key": "k-4"},
        follow=True,
    )
    html = response.content.decode()
    assert "<script>alert('x')</script>" not in html
    assert html.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") >= 2


def test_flash_sale_checkout_and_its_per_customer_limit(customer_client, customer, shop, flash_sale, address):
    product_page = customer_client.get(
        reverse("storefront:product", args=[shop["monitor"].pk])
    ).content.decode()
    assert "立即抢购" in product_page
    response = customer_client.post(
        "/cart/add/",
        {
            "product": shop["monitor"].pk,
            "sku": shop["monitor_sku"].pk,
            "flash_sale": flash_sale.pk,
            "quantity": 1,
            "intent": "flash",
        },
    )
    checkout_url = response.url
    page = customer_client.get(checkout_url).content.decode()
    assert "¥1,999.00" in page and "秒杀商品不能使用优惠券" in page
    customer_client.post(
        "/checkout/",
        {
            "sku": shop["monitor_sku"].pk,
            "qty": 1,
            "flash_sale": flash_sale.pk,
            "address": address.pk,
            "idempotency_key": "fs-1",
        },
    )
    assert Order.objects.get(user=customer).total == 199900 + 0  # free shipping above ¥99
    # A second flash-sale order is over the limit: refused with the reason, nothing written.
    before = snapshot()
    response = customer_client.post(
        "/checkout/",
        {
            "sku": shop["monitor_sku"].pk,
            "qty": 1,
            "flash_sale": flash_sale.pk,
            "address": address.pk,
            "idempotency_key": "fs-2",
        },
    )
    assert response.status_code == 409
    assert "超出秒杀每人限购数量" in response.content.decode()
    assert_unchanged(before)
    response = customer_client.get(checkout_url, follow=True)
    assert "超出秒杀每人限购数量" in response.content.decode()


def test_a_price_field_in_the_form_is_never_read(customer_client, customer, shop, address):
    response = customer_client.post(
        "/checkout/",
        {
            "sku": shop["sku"].pk,
            "qty": 1,
            "address": address.pk,
            "price": 1,
            "unit_price": 1,
            "total": 1,
            "idempotency_key": "tamper-1",
        },
    )
    assert response.status_code == 302
    assert Order.objects.get(user=customer).total == 899900


@pytest.mark.parametrize("qty", ["0", "-1", "abc", "1000"])
def test_bad_buy_now_quantity_is_refused_and_writes_nothing(customer_client, customer, shop, address, qty):
    before = snapshot()
    response = customer_client.post(
        "/checkout/", {"sku": shop["sku"].pk, "qty": qty, "address": address.pk, "idempotency_key": "qty-1"}
    )
    assert response.status_code == 400
    assert "购买数量" in response.content.decode()
    assert_unchanged(before)


def test_unavailable_buy_now_goes_back_to_the_product(customer_client, shop):
    sold_out = SKU.objects.get(code="X1-I7-16-512-B")
    SKU.objects.filter(pk=sold_out.pk).update(is_active=False)
    response = customer_client.get(f"/checkout/?sku={sold_out.pk}&qty=1", follow=True)
    assert response.redirect_chain[-1][0] == f"/product/{shop['thinkpad'].pk}/"
    assert "已下架或暂不可售" in response.content.decode()


def test_flash_intent_without_a_flash_sale_is_refused(customer_client, shop):
    response = customer_client.post(
        "/cart/add/",
        {
            "product": shop["monitor"].pk,
            "sku": shop["monitor_sku"].pk,
            "quantity": 1,
            "intent": "flash",
            "flash_sale": "x",
        },
    )
    assert response.status_code == 404 and "秒杀活动不存在" in response.content.decode()


def test_checkout_with_a_mangled_flash_sale_id_is_refused(customer_client, customer, shop, address):
    before = snapshot()
    response = customer_client.post(
        "/checkout/",
        {
            "sku": shop["monitor_sku"].pk,
            "qty": 1,
            "flash_sale": "1x",
            "address": address.pk,
            "idempotency_key": "fs-x",
        },
    )
    assert response.status_code == 404 and "秒杀活动不存在" in response.content.decode()
    assert_unchanged(before)


# --- hostile input: ids beyond 64 bits are simply not found (never a 500); typed text follows the
# same rules as the API (no control or bidi characters) ------------------------------------------------
TOO_BIG = "99999999999999999999"


def test_cart_remove_with_a_huge_sku_is_a_redirect(customer_client, customer, shop):
    actions.add_to_cart(customer, shop["sku"].pk, 1)
    before = snapshot()
    response = customer_client.post("/cart/remove/", {"sku": TOO_BIG})
    assert response.status_code == 302
    assert_unchanged(before)


@pytest.mark.parametrize("field", ["sku", "quantity"])
def test_cart_update_with_huge_numbers_is_refused(customer_client, customer, shop, field):
    actions.add_to_cart(customer, shop["sku"].pk, 1)
    before = snapshot()
    data = {"sku": shop["sku"].pk, "quantity": 1, field: TOO_BIG}
    response = customer_client.post("/cart/update/", data)
    assert response.status_code in (400, 404, 409)
    assert_unchanged(before)


@pytest.mark.parametrize(
    "query", ["sku=9223372036854775808", "sku=1&flash_sale=9223372036854775808", "sku=1&qty=" + TOO_BIG]
)
def test_checkout_with_a_huge_id_goes_back_instead_of_failing(customer_client, shop, query):
    response = customer_client.get(f"/checkout/?{query}")
    assert response.status_code == 302


def test_add_with_a_huge_product_id_is_not_a_500(customer_client, shop):
    response = customer_client.post("/cart/add/", {"product": TOO_BIG, "sku": TOO_BIG, "quantity": 1})
    assert response.status_code in (302, 400, 404)


@pytest.mark.parametrize(
    "field, value", [("recipient", "\u202e四李"), ("detail", "中关村\x00大街"), ("city", "北\u2067京")]
)
def test_new_address_with_control_or_bidi_characters_is_refused(
    customer_client, customer, shop, field, value
):
    actions.add_to_cart(customer, shop["sku"].pk, 1)
    before = snapshot()
    response = customer_client.post("/checkout/", {**NEW_ADDRESS, field: value, "idempotency_key": "k-bidi"})
    assert response.status_code == 400
    assert "收货地址信息不完整或格式不正确" in response.content.decode()
    assert_unchanged(before)


def test_note_with_bidi_override_is_refused_and_zero_width_is_stripped(
    customer_client, customer, shop, address
):
    actions.add_to_cart(customer, shop["sku"].pk, 1)
    before = snapshot()
    response = customer_client.post(
        "/checkout/", {"address": address.pk, "note": "快\u202e发", "idempotency_key": "k-n"}
    )
    assert response.status_code == 400 and "留言不能包含控制字符" in response.content.decode()
    assert_unchanged(before)
    response = customer_client.post(
        "/checkout/", {"address": address.pk, "note": "快\u200b发", "idempotency_key": "k-n2"}
    )
    assert response.status_code == 302
    from wxmall.orders.models import Order

    assert Order.objects.get().note == "快发"
