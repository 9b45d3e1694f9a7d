"""After-sales per reference §6: buyer applications, accept/reject (§6.4), refunds, the status machine
(§6.3, B.3), its mirror in the order and the channels_ec_aftersale_update events."""

import pytest


def paid_order(store, count=2, ship=False):
    product_id = store.add_product()
    sku = store.sku_ids(product_id)[0]
    order_id = store.control("POST", "orders", json={"user": "xiaoming", "product_id": product_id, "sku_id": sku,
                                                     "count": count})["order"]["order_id"]  # fmt: skip
    store.control("POST", f"orders/{order_id}/pay")
    if ship:
        store.ok(
            "order/delivery/send",
            {
                "order_id": order_id,
                "delivery_list": [
                    {
                        "delivery_id": "SF",
                        "waybill_id": "SF1234567890",
                        "deliver_type": 1,
                        "is_all_product": True,
                    }
                ],
            },
        )
    return order_id, product_id, sku  # fmt: skip


def apply(store, order_id, **body):
    return store.control("POST", "aftersales", json={"order_id": order_id, **body})["after_sale_order"]


def statuses(store, after_sale_id):
    return [e["message"]["finder_shop_aftersale_status_update"]["status"] for e in store.events(
        business_id=after_sale_id)]  # fmt: skip


def order_of(store, order_id):
    return store.ok("order/get", {"order_id": order_id})["order"]


def test_refund_only_before_shipment_blocks_delivery_and_refunding_everything_cancels_the_order(store):
    order_id, product_id, sku = paid_order(store)
    after = apply(store, order_id, type="REFUND", reason="INCORRECT_SELECTION")
    after_id = after["after_sale_order_id"]
    assert after["status"] == "MERCHANT_PROCESSING" and after["refund_info"]["amount"] == 2 * 399900
    got = store.ok("aftersale/getaftersaleorder", {"after_sale_order_id": after_id})["after_sale_order"]
    assert (
        got["order_id"] == order_id
        and got["product_info"]["count"] == 2
        and got["reason_text"] == "拍错/多拍"
    )
    line = order_of(store, order_id)["order_detail"]["product_infos"][0]
    assert line["on_aftersale_sku_cnt"] == 2
    assert order_of(store, order_id)["aftersale_detail"]["aftersale_order_list"] == [
        {"aftersale_order_id": after_id, "status": 2}]  # fmt: skip
    assert (
        store.errcode(
            "order/delivery/send",
            {
                "order_id": order_id,
                "delivery_list": [
                    {
                        "delivery_id": "SF",
                        "waybill_id": "SF1234567890",
                        "deliver_type": 1,
                        "is_all_product": True,
                    }
                ],
            },
        )
        == 108009
    )
    store.ok("aftersale/acceptapply", {"after_sale_order_id": after_id})  # fmt: skip
    done = store.ok("aftersale/getaftersaleorder", {"after_sale_order_id": after_id})["after_sale_order"]
    assert done["status"] == "MERCHANT_REFUND_SUCCESS" and done["refund_resp"]["ret"] == 0
    order = order_of(store, order_id)
    assert order["status"] == 200
    assert order["order_detail"]["product_infos"][0]["finish_aftersale_sku_cnt"] == 2
    assert order["aftersale_detail"]["aftersale_order_list"][0]["status"] == 13
    assert statuses(store, after_id) == ["MERCHANT_PROCESSING", "MERCHANT_REFUND_SUCCESS"]
    cancel = store.events(event="channels_ec_order_cancel")[-1]["message"]["order_info"]
    assert cancel == {"order_id": int(order_id), "cancel_type": 3}
    assert store.errcode("aftersale/acceptapply", {"after_sale_order_id": after_id}) == 10021041


def test_return_needs_an_address_then_the_buyers_parcel_then_confirmation(store):
    order_id, _, _ = paid_order(store, count=2, ship=True)
    after_id = apply(store, order_id, type="RETURN", reason="QUALITY_ISSUE", count=1)["after_sale_order_id"]
    assert store.errcode("aftersale/acceptapply", {"after_sale_order_id": after_id}) == 10021058
    assert (
        store.errcode("aftersale/acceptapply", {"after_sale_order_id": after_id, "address_id": "x1"})
        == 10021062
    )
    assert (
        store.errcode("aftersale/acceptapply", {"after_sale_order_id": after_id, "accept_type": 2})
        == 10021041
    )
    store.ok("aftersale/acceptapply", {"after_sale_order_id": after_id, "address_id": "123345"})
    assert (
        store.errcode("aftersale/acceptapply", {"after_sale_order_id": after_id}) == 10021041
    )  # waiting for the buyer
    store.control(
        "POST", f"aftersales/{after_id}/return", json={"delivery_id": "SF", "waybill_id": "SF99887766"}
    )
    got = store.ok("aftersale/getaftersaleorder", {"after_sale_order_id": after_id})["after_sale_order"]
    assert got["status"] == "MERCHANT_WAIT_RECEIPT" and got["return_info"]["waybill_id"] == "SF99887766"
    store.ok("aftersale/acceptapply", {"after_sale_order_id": after_id, "accept_type": 2})
    assert statuses(store, after_id) == ["MERCHANT_PROCESSING", "USER_WAIT_RETURN", "MERCHANT_WAIT_RECEIPT",
                                         "MERCHANT_RETURN_SUCCESS"]  # fmt: skip
    order = order_of(store, order_id)
    assert order["status"] == 30  # one of two items refunded: the order goes on
    line = order["order_detail"]["product_infos"][0]
    assert (line["on_aftersale_sku_cnt"], line["finish_aftersale_sku_cnt"]) == (0, 1)


def test_reject_with_a_listed_reason_and_the_reason_lists(store):
    order_id, _, _ = paid_order(store)
    after_id = apply(store, order_id, type="REFUND")["after_sale_order_id"]
    types = {r["reject_reason_type"] for r in store.ok("aftersale/rejectreason/get", {})["reason_list"]}
    assert {4, 6, 20, 21} <= types
    assert {r["reason"] for r in store.ok("aftersale/reason/get", {})["reason_list"]} >= {
        "NO_LONGER_WANT",
        "OTHERS",
    }
    assert (
        store.errcode("aftersale/rejectapply", {"after_sale_order_id": after_id, "reject_reason_type": 999})
        == 10020051
    )
    store.ok("aftersale/rejectapply", {"after_sale_order_id": after_id, "reject_reason_type": 15,
                                       "reject_reason": "商品无质量问题"})  # fmt: skip
    got = store.ok("aftersale/getaftersaleorder", {"after_sale_order_id": after_id})["after_sale_order"]
    assert (
        got["status"] == "MERCHANT_REJECT_REFUND"
        and got["merchant_upload_info"]["reject_reason"] == "商品无质量问题"
    )
    order = order_of(store, order_id)
    assert order["aftersale_detail"]["on_aftersale_order_cnt"] == 0 and order["status"] == 20
    assert (
        store.errcode("aftersale/rejectapply", {"after_sale_order_id": after_id, "reject_reason_type": 15})
        == 10021041
    )
    store.ok("order/delivery/send", {"order_id": order_id, "delivery_list": [
        {"delivery_id": "SF", "waybill_id": "SF1234567890", "deliver_type": 1, "is_all_product": True}]})  # fmt: skip


def test_buyer_cancel_and_a_second_refund_within_a_minute(store):
    order_id, _, _ = paid_order(store, count=3)
    first = apply(store, order_id, type="REFUND", count=1)["after_sale_order_id"]
    second = apply(store, order_id, type="REFUND", count=1)["after_sale_order_id"]
    third = apply(store, order_id, type="REFUND", count=1)["after_sale_order_id"]
    too_many = store.handle.client.post("/sandbox/store/aftersales", json={"order_id": order_id, "count": 1})
    assert too_many.status_code == 409
    store.ok("aftersale/acceptapply", {"after_sale_order_id": first})
    assert store.errcode("aftersale/acceptapply", {"after_sale_order_id": second}) == 10021059
    store.handle.advance_clock(61)
    store.ok("aftersale/acceptapply", {"after_sale_order_id": second})
    store.control("POST", f"aftersales/{third}/cancel")
    assert statuses(store, third) == ["MERCHANT_PROCESSING", "USER_CANCELD"]
    assert store.errcode("aftersale/acceptapply", {"after_sale_order_id": third}) == 10021041
    line = order_of(store, order_id)["order_detail"]["product_infos"][0]
    assert (line["on_aftersale_sku_cnt"], line["finish_aftersale_sku_cnt"]) == (0, 2)


def test_list_by_time_window_and_refusals(quiet_store):
    store = quiet_store
    order_id, _, _ = paid_order(store, count=2)
    ids = [apply(store, order_id, count=1)["after_sale_order_id"] for _ in range(2)]
    now = int(store.handle.control("GET", "clock")["now"])
    listed = store.ok(
        "aftersale/getaftersalelist", {"begin_create_time": now - 60, "end_create_time": now + 60}
    )
    assert listed["after_sale_order_id_list"] == ids and listed["has_more"] is False
    assert (
        store.errcode("aftersale/getaftersalelist", {"begin_update_time": 0, "end_update_time": 86401})
        == 10020004
    )
    assert store.errcode("aftersale/getaftersalelist", {}) == 10020004
    assert store.errcode("aftersale/getaftersaleorder", {"after_sale_order_id": "1"}) == 10021050
    assert store.errcode("aftersale/getaftersaleorder", {"after_sale_order_id": "x"}) == 10020000
    unpaid_product = store.add_product()
    unpaid = store.control("POST", "orders", json={"user": "lihua", "product_id": unpaid_product,
                                                   "sku_id": store.sku_ids(unpaid_product)[0]})["order"]["order_id"]  # fmt: skip
    refused = store.handle.client.post("/sandbox/store/aftersales", json={"order_id": unpaid})
    assert refused.status_code == 409


@pytest.mark.parametrize(
    "body",
    [{"type": "EXCHANGE"}, {"reason": "BECAUSE"}, {"amount": 10**9}, {"count": 0}, {"sku_id": "1"}],
)
def test_bad_applications_write_nothing(quiet_store, body):
    store = quiet_store
    order_id, _, _ = paid_order(store)
    response = store.handle.client.post("/sandbox/store/aftersales", json={"order_id": order_id, **body})
    assert response.status_code in (400, 404)
    assert store.control("GET", "aftersales")["aftersales"] == []
    assert order_of(store, order_id)["aftersale_detail"]["on_aftersale_order_cnt"] == 0


def generate(store, order_id, product_id, sku, **body):
    request = {"request_id": "req-1", "order_id": order_id, "product_id": product_id, "sku_id": sku,
               "count": 1, "amount": 100000, "reason": "OTHERS", "type": "REFUND"} | body  # fmt: skip
    return store.ok("aftersale/genaftersaleorder", request)


def test_a_merchant_started_refund_waits_for_the_buyer_and_is_idempotent_by_request_id(store):
    order_id, product_id, sku = paid_order(store, count=2)
    first = generate(store, order_id, product_id, sku)
    after_id = first["after_sale_order_id"]
    assert generate(store, order_id, product_id, sku)["after_sale_order_id"] == after_id  # a retried request
    got = store.ok("aftersale/getaftersaleorder", {"after_sale_order_id": after_id})["after_sale_order"]
    assert got["status"] == "USER_WAIT_HANDLE_MERCHANT_AFTER_SALE" and got["refund_info"]["amount"] == 100000
    assert store.errcode("aftersale/acceptapply", {"after_sale_order_id": after_id}) == 10021041
    store.control("POST", f"aftersales/{after_id}/confirm")
    done = store.ok("aftersale/getaftersaleorder", {"after_sale_order_id": after_id})["after_sale_order"]
    assert done["status"] == "MERCHANT_REFUND_SUCCESS"
    assert statuses(store, after_id) == ["USER_WAIT_HANDLE_MERCHANT_AFTER_SALE", "MERCHANT_REFUND_SUCCESS"]
    order = order_of(store, order_id)
    assert order["status"] == 20  # one of two items: the order goes on
    assert order["order_detail"]["product_infos"][0]["finish_aftersale_sku_cnt"] == 1


def test_a_declined_merchant_after_sale_is_cancelled_and_frees_the_items(store):
    order_id, product_id, sku = paid_order(store, count=1)
    after_id = generate(store, order_id, product_id, sku)["after_sale_order_id"]
    store.control("POST", f"aftersales/{after_id}/decline")
    assert statuses(store, after_id)[-1] == "USER_CANCELD"
    assert order_of(store, order_id)["order_detail"]["product_infos"][0]["on_aftersale_sku_cnt"] == 0


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"request_id": ""}, 10020051),
        ({"reason": "BECAUSE"}, 10020051),
        ({"count": 3}, 10020051),
        ({"amount": 10**9}, 10020051),
        ({"sku_id": "1"}, 10020051),
        ({"type": "RETURN"}, 10021058),
    ],
)
def test_bad_merchant_after_sales_are_refused_and_write_nothing(quiet_store, body, errcode):
    order_id, product_id, sku = paid_order(quiet_store, count=2)
    request = {"request_id": "req-x", "order_id": order_id, "product_id": product_id, "sku_id": sku,
               "count": 1, "amount": 100000, "reason": "OTHERS", "type": "REFUND"} | body  # fmt: skip
    assert quiet_store.errcode("aftersale/genaftersaleorder", request) == errcode
    assert quiet_store.control("GET", "aftersales")["aftersales"] == []
