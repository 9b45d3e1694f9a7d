"""The API's answers to hostile or sloppy input: ids beyond 64 bits, bodies that are not JSON, loose
types, control and bidirectional characters, oversized bodies, and bugs. Every refusal is the JSON
envelope with a 4xx, writes nothing, and never echoes the input."""

import json
import logging

import pytest
from django.test import Client

from helpers.db import snapshot
from wxmall.accounts.models import Address

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63  # one past the largest 64-bit id
JSON = "application/json"


@pytest.fixture
def csrf_api(customer):
    """A logged-in session that must send the CSRF token, as a browser's would."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    token = client.get("/api/checkout/session").json()["csrf_token"]
    client.defaults["HTTP_X_CSRFTOKEN"] = token
    return client


def send(client, method, url, body=None, content_type=JSON):
    data = json.dumps(body) if body is not None and content_type == JSON else body
    return getattr(client, method)(url, data=data, content_type=content_type)


def refused(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["message"]
    return body


@pytest.mark.parametrize(
    "method, url, body",
    [
        ("delete", f"/api/checkout/cart/items/{TOO_BIG}", None),
        ("put", f"/api/checkout/cart/items/{TOO_BIG}", {"quantity": 1}),
        ("post", "/api/checkout/cart/items", {"sku_id": TOO_BIG, "quantity": 1}),
        ("post", "/api/checkout/quote", {"items": [{"sku_id": TOO_BIG, "quantity": 1}]}),
        ("post", "/api/checkout/quote", {"flash_sale_id": TOO_BIG}),
        ("post", "/api/checkout/orders", {"items": [{"sku_id": 1, "quantity": 1}], "address_id": TOO_BIG}),
        ("post", "/api/checkout/cart/items", {"sku_id": 1, "quantity": TOO_BIG}),
        ("delete", f"/api/checkout/addresses/{TOO_BIG}", None),
        ("post", f"/api/core/outbox/{TOO_BIG}/replay", None),
    ],
)
def test_ids_beyond_64_bits_are_refused_not_a_500(api, sku, address, method, url, body):
    before = snapshot()
    response = send(api, method, url, body)
    assert response.status_code in (400, 403, 404), response.content
    assert response.json()["code"] and response.json()["message"]
    assert snapshot() == before


def test_order_with_a_too_big_sku_id_writes_nothing(api, address):
    before = snapshot()
    body = {"items": [{"sku_id": TOO_BIG, "quantity": 1}], "address_id": address.pk}
    refused(send(api, "post", "/api/checkout/orders", body), 400, "invalid_request")
    assert snapshot() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/checkout/cart/items",
        "/api/checkout/orders",
        "/api/checkout/quote",
        "/api/checkout/addresses",
        "/api/orders/WX0001/cancel",
    ],
)
def test_multipart_body_with_session_and_csrf_is_415(csrf_api, sku, url):
    before = snapshot()
    response = csrf_api.post(url, {"x": "1"})  # multipart/form-data, like curl -F x=1
    refused(response, 415, "unsupported_media_type")
    assert snapshot() == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_json_sent_as_another_type_is_refused(csrf_api, sku, content_type):
    before = snapshot()
    body = json.dumps({"sku_id": sku.pk, "quantity": 1})
    refused(
        csrf_api.post("/api/checkout/cart/items", body, content_type=content_type),
        415,
        "unsupported_media_type",
    )
    assert snapshot() == before
    # the same body as JSON is accepted: the refusal was about the type only
    assert csrf_api.post("/api/checkout/cart/items", body, content_type=JSON).status_code == 201


def test_anonymous_multipart_is_still_401_first(db):
    refused(Client().post("/api/checkout/cart/items", {"x": "1"}), 401, "not_authenticated")


def test_multipart_without_csrf_token_is_403_not_500(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    refused(client.post("/api/checkout/cart/items", {"x": "1"}), 403, "csrf_failed")


def test_bodyless_operations_ignore_a_form_body(api, customer, sku, address):
    from wxmall.accounts.testing import make_address

    second = make_address(customer)
    response = api.post(f"/api/checkout/addresses/{second.pk}/default")  # the test client sends multipart
    assert response.status_code == 200 and response.json()["is_default"] is True


@pytest.mark.parametrize("quantity", [True, "1", 1.0, 1.5, None, [1]])
def test_quantity_must_be_a_json_integer(api, sku, quantity):
    before = snapshot()
    body = refused(
        send(api, "post", "/api/checkout/cart/items", {"sku_id": sku.pk, "quantity": quantity}),
        400,
        "invalid_request",
    )
    assert body["details"]["fields"][0]["loc"][-1] == "quantity"
    assert snapshot() == before


@pytest.mark.parametrize("sku_id", [True, "1", 1.0])
def test_sku_id_must_be_a_json_integer(api, sku, sku_id):
    before = snapshot()
    refused(
        send(api, "post", "/api/checkout/cart/items", {"sku_id": sku_id, "quantity": 1}),
        400,
        "invalid_request",
    )
    refused(
        send(api, "put", f"/api/checkout/cart/items/{sku.pk}", {"quantity": True}), 400, "invalid_request"
    )
    assert snapshot() == before


def test_flags_are_strict_booleans(api, sku, address):
    before = snapshot()
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk, "from_cart": "yes"}
    refused(send(api, "post", "/api/checkout/orders", body), 400, "invalid_request")
    assert snapshot() == before


ADDRESS = {
    "recipient": "张三",
    "phone": "13800001111",
    "province": "上海市",
    "city": "上海市",
    "district": "黄浦区",
    "detail": "南京东路 1 号",
}


@pytest.mark.parametrize(
    "field, value",
    [
        ("recipient", "张\x00三"),
        ("recipient", "\u202e三张"),  # right-to-left override: reorders what staff read in the admin
        ("detail", "南京东路\u2066 1 号"),  # isolate
        ("city", "上海\x1b[31m"),
        ("detail", "南京东路\ud800"),  # a lone surrogate (valid JSON, not valid text)
        ("detail", "路" * 121),
    ],
)
def test_address_text_is_refused_with_control_or_bidi_characters(api, field, value):
    before = snapshot()
    body = refused(
        send(api, "post", "/api/checkout/addresses", {**ADDRESS, field: value}), 400, "invalid_request"
    )
    assert body["details"]["fields"][0]["loc"][-1] == field
    assert value not in json.dumps(body, ensure_ascii=False)
    assert snapshot() == before


def test_address_text_is_trimmed_normalised_and_stripped_of_zero_width(api):
    response = send(
        api,
        "post",
        "/api/checkout/addresses",
        {**ADDRESS, "recipient": " 张\u200b三\ufeff ", "detail": "Cafe\u0301 路 1 号"},
    )
    assert response.status_code == 201, response.content
    saved = Address.objects.get(pk=response.json()["id"])
    assert saved.recipient == "张三"
    assert saved.detail == "Caf\u00e9 路 1 号"  # NFC: one code point, as a search would type it


def test_note_with_bidi_override_is_refused(api, sku, address):
    before = snapshot()
    body = {
        "items": [{"sku_id": sku.pk, "quantity": 1}],
        "address_id": address.pk,
        "note": "请\u202e尽快发货",
    }
    refused(send(api, "post", "/api/checkout/orders", body), 400, "invalid_request")
    assert snapshot() == before
    # line breaks are fine in a note
    body["note"] = "请尽快发货\n谢谢"
    assert send(api, "post", "/api/checkout/orders", body).status_code == 201


def test_a_huge_body_is_413_and_not_echoed(api, sku, address):
    before = snapshot()
    note = "备注" * 500_000  # about 3 MB of JSON
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk, "note": note}
    response = send(api, "post", "/api/checkout/orders", body)
    refused(response, 413, "payload_too_large")
    assert len(response.content) < 500
    assert snapshot() == before


@pytest.mark.parametrize("field", ["coupon_code", "note", "idempotency_key"])
def test_overlong_text_is_refused_without_echo(api, sku, address, field):
    value = "券" * 5000  # 15 KB: under the body limit, over every field's
    body = {"items": [{"sku_id": sku.pk, "quantity": 1}], "address_id": address.pk, field: value}
    response = send(api, "post", "/api/checkout/orders", body)
    refused(response, 400, "invalid_request")
    assert "券券" not in response.content.decode() and len(response.content) < 1000


def test_unknown_field_names_are_bounded_in_the_answer(api, sku, address):
    name = "x" * 5000
    response = send(
        api, "post", "/api/checkout/quote", {"items": [{"sku_id": sku.pk, "quantity": 1}], name: 1}
    )
    body = refused(response, 400, "invalid_request")
    assert len(response.content) < 500 and body["details"]["unknown_fields"] == ["x" * 40]


def test_validation_details_never_carry_the_input(api, sku):
    body = refused(
        send(api, "post", "/api/checkout/cart/items", {"sku_id": "<script>secret</script>", "quantity": 1}),
        400,
        "invalid_request",
    )
    text = json.dumps(body)
    assert "secret" not in text and "input" not in body["details"]["fields"][0]


def test_an_unexpected_error_is_the_json_envelope_and_logged_with_an_id(api, monkeypatch, caplog):
    from wxmall.checkout import queries

    def broken(user):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(queries, "cart_for", broken)
    with caplog.at_level(logging.ERROR, logger="wxmall.api"):
        response = api.get("/api/checkout/cart")
    body = refused(response, 500, "internal_error")
    assert "hunter2" not in response.content.decode() and "Traceback" not in response.content.decode()
    request_id = body["details"]["request_id"]
    assert response["X-Request-ID"] == request_id
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)


def test_unknown_api_paths_and_methods_answer_the_envelope(api):
    refused(api.get("/api/no/such/thing"), 404, "not_found")
    response = api.patch("/api/checkout/cart", content_type=JSON)
    refused(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]
