"""The /api/checkout and /api/orders HTTP surface: auth, CSRF, status codes, error bodies, and that a
refused request writes nothing."""

import json

import pytest
from django.test import Client

from helpers.db import refused_request, unchanged
from wxmall.accounts.testing import make_address
from wxmall.checkout.testing import make_coupon, make_flash_sale
from wxmall.orders.models import Order

pytestmark = pytest.mark.django_db


def post(client, url, body, method="post"):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def test_anonymous_calls_are_401(db):
    client = Client()
    for method, url in [
        ("get", "/api/checkout/cart"),
        ("post", "/api/checkout/orders"),
        ("get", "/api/orders/"),
        ("get", "/api/checkout/addresses"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 401
        assert response.json() == {"code": "not_authenticated", "message": "请先登录"}


def test_csrf_token_is_required_for_session_posts(customer, sku):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    response = post(client, "/api/checkout/cart/items", {"sku_id": sku.pk, "quantity": 1})
    assert response.status_code == 403
    session = client.get("/api/checkout/session").json()
    assert session["authenticated"] is True
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/checkout/cart/items",
        data=json.dumps({"sku_id": sku.pk, "quantity": 1}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=session["csrf_token"],
    )
    assert response.status_code == 201, response.content
    assert token


def test_cart_crud(api, sku, cheap_sku):
    response = post(api, "/api/checkout/cart/items", {"sku_id": sku.pk, "quantity": 2})
    assert response.status_code == 201
    post(api, "/api/checkout/cart/items", {"sku_id": cheap_sku.pk})
    cart = post(api, f"/api/checkout/cart/items/{sku.pk}", {"quantity": 1}, method="put").json()
    assert cart["subtotal"] == 129900 + 1990 and cart["count"] == 2 and cart["subtotal_display"] == "1318.90"
    cart = api.delete(f"/api/checkout/cart/items/{cheap_sku.pk}").json()
    assert [line["sku_id"] for line in cart["lines"]] == [sku.pk]
    assert api.delete("/api/checkout/cart").json()["lines"] == []


def test_cart_bad_input(api, sku):
    refused_request(
        api, "/api/checkout/cart/items", {"sku_id": sku.pk, "quantity": 0}, 400, "invalid_quantity"
    )
    refused_request(
        api, "/api/checkout/cart/items", {"sku_id": sku.pk, "quantity": 10**15}, 400, "invalid_quantity"
    )
    refused_request(api, "/api/checkout/cart/items", {"sku_id": 999999, "quantity": 1}, 404, "sku_not_found")
    refused_request(api, "/api/checkout/cart/items", {"sku_id": sku.pk, "quantity": 50}, 409, "out_of_stock")
    refused_request(api, "/api/checkout/cart/items", {"sku_id": "abc"}, 400, "invalid_request")
    refused_request(
        api,
        "/api/checkout/cart/items",
        {"sku_id": sku.pk, "quantity": 1, "price": 1},
        400,
        "price_not_accepted",
    )
    with unchanged():
        response = api.post("/api/checkout/cart/items", data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"


def test_place_order_quote_and_read_it_back(api, customer, address, sku, cheap_sku):
    make_coupon(code="API50", value=5000, threshold=100000)
    body = {
        "items": [{"sku_id": sku.pk, "quantity": 1}, {"sku_id": cheap_sku.pk, "quantity": 1}],
        "coupon_code": "API50",
    }
    quote = post(api, "/api/checkout/quote", body).json()
    assert (quote["subtotal"], quote["discount"], quote["shipping_fee"], quote["total"]) == (
        131890,
        5000,
        0,
        126890,
    )
    assert quote["coupon_applied"] is True and quote["coupon_problem"] is None
    response = post(
        api,
        "/api/checkout/orders",
        {**body, "address_id": address.pk, "note": "<b>快递放门口</b>", "idempotency_key": "page-42"},
    )
    assert response.status_code == 201, response.content
    order = response.json()
    assert (
        order["total"] == 126890
        and order["status"] == "pending_payment"
        and order["status_label"] == "待支付"
    )
    assert order["shipping"]["phone"] == "13812345678" and order["coupon_code"] == "API50"
    assert order["note"] == "<b>快递放门口</b>"  # stored as typed; escaping is the page's job
    again = post(
        api, "/api/checkout/orders", {**body, "address_id": address.pk, "idempotency_key": "page-42"}
    )
    assert again.status_code == 200 and again.json()["order_no"] == order["order_no"]
    listed = api.get("/api/orders/").json()
    assert [o["order_no"] for o in listed] == [order["order_no"]] and listed[0]["item_count"] == 2
    detail = api.get(f"/api/orders/{order['order_no']}").json()
    assert [e["to_status"] for e in detail["events"]] == ["pending_payment"]
    assert api.get("/api/orders/?status=paid").json() == []
    assert api.get("/api/orders/?status=nonsense").json()["code"] == "invalid_status"


def test_quote_reports_coupon_problem_without_error(api, cheap_sku):
    make_coupon(code="FAR", value=1000, threshold=100000)
    quote = post(
        api, "/api/checkout/quote", {"items": [{"sku_id": cheap_sku.pk, "quantity": 1}], "coupon_code": "FAR"}
    ).json()
    assert quote["coupon_applied"] is False and quote["coupon_problem"] == "coupon_threshold_not_met"
    assert quote["total"] == 1990 + 1000


@pytest.mark.parametrize(
    "tamper",
    [
        {"price": 1},
        {"total": 1},
        {"unit_price": 1},
    ],
)
def test_tampered_price_fields_are_refused(api, address, sku, tamper):
    item = {"sku_id": sku.pk, "quantity": 1}
    refused_request(
        api,
        "/api/checkout/orders",
        {"items": [{**item, **tamper}], "address_id": address.pk},
        400,
        "price_not_accepted",
    )
    refused_request(
        api,
        "/api/checkout/orders",
        {"items": [item], "address_id": address.pk, **tamper},
        400,
        "price_not_accepted",
    )


def test_place_order_bad_input_writes_nothing(api, customer, other_customer, address, sku):
    url = "/api/checkout/orders"
    item = [{"sku_id": sku.pk, "quantity": 1}]
    refused_request(
        api,
        url,
        {"items": [{"sku_id": sku.pk, "quantity": -1}], "address_id": address.pk},
        400,
        "invalid_quantity",
    )
    refused_request(
        api,
        url,
        {"items": [{"sku_id": sku.pk, "quantity": 11}], "address_id": address.pk},
        409,
        "out_of_stock",
    )
    refused_request(
        api, url, {"items": item, "address_id": make_address(other_customer).pk}, 404, "address_not_found"
    )
    refused_request(
        api, url, {"items": item}, 400, "pickup_or_address_required"
    )  # neither delivery nor pickup
    refused_request(
        api, url, {"items": item, "address_id": address.pk, "surprise": 1}, 400, "invalid_request"
    )
    refused_request(
        api, url, {"items": item, "address_id": address.pk, "coupon_code": "X" * 500}, 404, "coupon_not_found"
    )
    make_coupon(
        code="OLD",
        starts_in=-__import__("datetime").timedelta(days=9),
        lasts=__import__("datetime").timedelta(days=1),
    )
    refused_request(
        api, url, {"items": item, "address_id": address.pk, "coupon_code": "OLD"}, 409, "coupon_expired"
    )
    sale = make_flash_sale(sku, per_user_limit=1)
    refused_request(
        api,
        url,
        {"items": [{"sku_id": sku.pk, "quantity": 2}], "address_id": address.pk, "flash_sale_id": sale.pk},
        409,
        "flash_sale_user_limit",
    )


def test_another_customers_order_is_404_and_cannot_be_cancelled(api, customer, other_customer, sku):
    from wxmall.checkout import actions

    theirs = actions.place_order(
        other_customer, items=[(sku.pk, 1)], address_id=make_address(other_customer).pk
    )
    assert api.get(f"/api/orders/{theirs.order_no}").status_code == 404
    assert api.get("/api/orders/WX-NOPE").json()["code"] == "order_not_found"
    refused_request(api, f"/api/orders/{theirs.order_no}/cancel", {}, 404, "order_not_found")
    assert Order.objects.get(pk=theirs.pk).status == "pending_payment"


def test_cancel_mine_then_cancel_again_is_409(api, address, sku):
    order = post(
        api, "/api/checkout/orders", {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk}
    ).json()
    response = post(api, f"/api/orders/{order['order_no']}/cancel", {"reason": "买错了"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    refused_request(api, f"/api/orders/{order['order_no']}/cancel", {}, 409, "illegal_transition")
    refused_request(api, f"/api/orders/{order['order_no']}/confirm-received", None, 409, "illegal_transition")


def test_addresses_crud(api, other_customer):
    body = {
        "recipient": "陈七",
        "phone": "13512345678",
        "province": "四川省",
        "city": "成都市",
        "district": "武侯区",
        "detail": "天府大道 88 号",
    }
    created = post(api, "/api/checkout/addresses", body)
    assert created.status_code == 201 and created.json()["is_default"] is True
    address_id = created.json()["id"]
    updated = post(
        api, f"/api/checkout/addresses/{address_id}", {**body, "detail": "天府大道 99 号"}, method="put"
    )
    assert updated.json()["detail"] == "天府大道 99 号"
    assert [a["id"] for a in api.get("/api/checkout/addresses").json()] == [address_id]
    refused_request(api, "/api/checkout/addresses", {**body, "phone": "110"}, 400, "invalid_address")
    theirs = make_address(other_customer)
    refused_request(
        api, f"/api/checkout/addresses/{theirs.pk}", None, 404, "address_not_found", method="delete"
    )
    refused_request(api, f"/api/checkout/addresses/{theirs.pk}", body, 404, "address_not_found", method="put")
    assert api.delete(f"/api/checkout/addresses/{address_id}").status_code == 204


def test_coupons_and_flash_sales_endpoints(api, sku):
    make_coupon(code="LIST", value=1000, threshold=5000)
    coupons = api.get("/api/checkout/coupons?subtotal=6000").json()
    assert [(c["code"], c["applicable"], c["discount"]) for c in coupons] == [("LIST", True, 1000)]
    assert coupons[0]["description"] == "满 50.00 元减 10.00 元"
    sale = make_flash_sale(sku, price=99900, quota=7)
    sales = Client().get("/api/checkout/flash-sales").json()  # public
    assert [(s["id"], s["price"], s["regular_price"], s["remaining"]) for s in sales] == [
        (sale.pk, 99900, 129900, 7)
    ]


def test_placing_a_flash_sale_order_reads_back_nothing_it_wrote(api, address, sku):
    """The response is built from the rows the transaction wrote (no re-read of lines or events), and
    the flash sale's own query brings the SKU (no separate SKU read)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sale = make_flash_sale(sku=sku, price=99900, quota=3, per_user_limit=1)
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk, "flash_sale_id": sale.pk}
    with CaptureQueriesContext(connection) as queries:
        response = post(api, "/api/checkout/orders", body)
    assert response.status_code == 201, response.content
    order = response.json()
    assert [(line["sku_id"], line["unit_price"], line["flash_sale_id"]) for line in order["lines"]] == [
        (sku.pk, 99900, sale.pk)
    ]
    assert [(e["from_status"], e["to_status"], e["actor_kind"]) for e in order["events"]] == [
        ("", "pending_payment", "customer")
    ]
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert not [sql for sql in reads if 'FROM "orders_orderline"' in sql or 'FROM "orders_orderevent"' in sql]
    assert not [sql for sql in reads if 'FROM "catalog_sku"' in sql]
    assert Order.objects.get(order_no=order["order_no"]).lines.get().flash_sale_id == sale.pk
