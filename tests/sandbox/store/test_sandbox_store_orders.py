"""Orders per reference §5: buyers order through the control API; list, get, search, price, notes, delivery,
the status machine (pay, cancel, timeout, partial and full shipment, confirmation) and its events."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from store_client import decrypt_push


def order(store, product_id, sku_id, count=1, **extra):
    return store.control("POST", "orders", json={"user": "xiaoming", "product_id": product_id, "sku_id": sku_id,
                                                 "count": count, **extra})["order"]  # fmt: skip


def listed(store):
    product_id = store.add_product()
    return product_id, store.sku_ids(product_id)


def stock(store, product_id, sku_id):
    return store.ok("product/stock/get", {"product_id": product_id, "sku_id": sku_id})["data"][
        "normal_stock_num"
    ]


def day_range(store):
    now = int(store.handle.control("GET", "clock")["now"])
    return {"start_time": now - 3600, "end_time": now + 3600}


def test_attributed_order_takes_stock_and_order_get_shows_channel_live_and_sharer(store, shop_server):
    product_id, skus = listed(store)
    finder = store.control("GET", "finders")["finders"][0]
    store.ok("sharer/bind", {"username": "lihua"})
    store.control("POST", "sharers", json={"user": "lihua"})
    made = order(store, product_id, skus[0], 2, finder_id=finder["finder_id"], live_id="export/UzFfAgtgekIEAQAAAAAA",
                 sharer={"user": "lihua", "share_scene": 1}, customer_notes="周末送货")  # fmt: skip
    order_id = made["order_id"]
    assert isinstance(order_id, str) and len(order_id) == 19 and int(order_id) > 2**53
    assert stock(store, product_id, skus[0]) == 18
    got = store.ok("order/get", {"order_id": order_id})["order"]
    assert got["status"] == 10 and got["openid"] == store.handle.openid("xiaoming", store.app.appid)
    detail = got["order_detail"]
    line = detail["product_infos"][0]
    assert (line["product_id"], line["sku_id"], line["sku_cnt"], line["real_price"]) == (
        product_id, skus[0], 2, 2 * 399900)  # fmt: skip
    assert detail["price_info"]["order_price"] == 2 * 399900
    ext = detail["ext_info"]
    assert (
        ext["finder_id"] == finder["finder_id"]
        and ext["live_id"].startswith("export/")
        and ext["order_scene"] == 2
    )
    source = detail["source_infos"][0]
    assert source["account_id"] == finder["finder_id"] and source["sale_channel"] == 0
    assert source["account_nickname"] == finder["nickname"]
    assert detail["sharer_info"]["sharer_openid"] == store.handle.openid("lihua", store.app.appid)
    assert detail["sharer_info"]["share_scene"] == 1 and ext["customer_notes"] == "周末送货"
    assert got["unionid"]  # the shop is bound to the open platform
    shop_server.wait_for(5)  # the product's events, the sharer's binding and the new order
    pushed = [decrypt_push(store.app, r) for r in shop_server.requests]
    new = next(p for p in pushed if p["Event"] == "channels_ec_order_new")
    assert new["order_info"] == {"order_id": int(order_id)} and new["FromUserName"] == got["openid"]
    raw = next(r.body for r in shop_server.requests if b"Encrypt" in r.body)
    assert b'"order_id":"' not in raw  # nothing readable outside the cipher


def test_the_order_id_in_events_is_a_json_number_beyond_float_precision(store, shop_server):
    product_id, skus = listed(store)
    order_id = order(store, product_id, skus[0])["order_id"]
    message = next(e for e in store.events(event="channels_ec_order_new"))["message"]
    text = json.dumps(message)
    assert f'"order_id": {order_id}' in text
    assert float(order_id) != int(order_id)  # a client parsing it as a double would get another order


def test_pay_ship_in_two_parcels_confirm_and_the_events_in_order(store):
    product_id, skus = listed(store)
    made = store.control(
        "POST",
        "orders",
        json={
            "user": "wangfang",
            "items": [
                {"product_id": product_id, "sku_id": skus[0], "count": 2},
                {"product_id": product_id, "sku_id": skus[1]},
            ],
        },
    )
    order_id = made["order"]["order_id"]  # fmt: skip
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
        == 101100
    )
    store.control("POST", f"orders/{order_id}/pay")
    paid = store.ok("order/get", {"order_id": order_id})["order"]
    assert paid["status"] == 20 and paid["order_detail"]["pay_info"]["pay_time"] > 0
    first = {
        "order_id": order_id,
        "delivery_list": [
            {
                "delivery_id": "SF",
                "waybill_id": "SF1234567890",
                "deliver_type": 1,
                "product_infos": [{"product_id": product_id, "sku_id": skus[0], "product_cnt": 1}],
            }
        ],
    }
    store.ok("order/delivery/send", first)
    assert store.ok("order/get", {"order_id": order_id})["order"]["status"] == 21
    too_many = {
        "order_id": order_id,
        "delivery_list": [
            {
                "delivery_id": "YTO",
                "waybill_id": "YT0000001",
                "deliver_type": 1,
                "product_infos": [{"product_id": product_id, "sku_id": skus[0], "product_cnt": 2}],
            }
        ],
    }
    assert store.errcode("order/delivery/send", too_many) == 109000
    rest = {"order_id": order_id, "delivery_list": [{"delivery_id": "YTO", "waybill_id": "YT0000001",
            "deliver_type": 1, "is_all_product": True}]}  # fmt: skip
    store.ok("order/delivery/send", rest)
    shipped = store.ok("order/get", {"order_id": order_id})["order"]
    assert shipped["status"] == 30
    parcels = shipped["order_detail"]["delivery_info"]["delivery_product_info"]
    assert [(p["delivery_id"], p["delivery_name"]) for p in parcels] == [
        ("SF", "顺丰速运"),
        ("YTO", "圆通速递"),
    ]
    assert sum(i["product_cnt"] for p in parcels for i in p["product_infos"]) == 3
    assert store.errcode("order/delivery/send", rest) == 101100
    store.control("POST", f"orders/{order_id}/confirm")
    assert store.ok("order/get", {"order_id": order_id})["order"]["status"] == 100
    names = store.event_names(order_id)
    assert names == ["channels_ec_order_new", "channels_ec_order_pay", "channels_ec_order_wait_shipping",
                     "channels_ec_order_deliver", "channels_ec_order_deliver", "channels_ec_order_confirm"]  # fmt: skip
    delivers = [e["message"]["order_info"] for e in store.events(event="channels_ec_order_deliver")]
    assert [d["finish_delivery"] for d in delivers] == [0, 1]
    confirm = store.events(event="channels_ec_order_confirm")[0]["message"]["order_info"]
    assert confirm["confirm_type"] == 1


def test_cancel_and_pay_timeout_give_stock_back_with_their_cancel_types(make_store):
    store = make_store(store={"pay_timeout_seconds": 600, "auto_confirm_seconds": 3600})
    product_id, skus = listed(store)
    cancelled = order(store, product_id, skus[1], 3)["order_id"]
    assert stock(store, product_id, skus[1]) == 2
    store.control("POST", f"orders/{cancelled}/cancel")
    assert stock(store, product_id, skus[1]) == 5
    timed_out = order(store, product_id, skus[1], 5)["order_id"]
    assert stock(store, product_id, skus[1]) == 0
    assert store.events(event="channels_ec_stock_no_enough")[-1]["message"]["channels_ec_stock_no_enough"][
        "sku_id"] == skus[1]  # fmt: skip
    store.handle.advance_clock(601)
    assert store.ok("order/get", {"order_id": timed_out})["order"]["status"] == 250
    assert stock(store, product_id, skus[1]) == 5
    types = [
        e["message"]["order_info"]["cancel_type"] for e in store.events(event="channels_ec_order_cancel")
    ]
    assert types == [1, 2]
    refused = store.handle.client.post(f"/sandbox/store/orders/{timed_out}/pay")
    assert refused.status_code == 409
    shipped = order(store, product_id, skus[0])["order_id"]
    store.control("POST", f"orders/{shipped}/pay")
    store.ok("order/delivery/send", {"order_id": shipped, "delivery_list": [
        {"delivery_id": "ZTO", "waybill_id": "ZT123456", "deliver_type": 1, "is_all_product": True}]})  # fmt: skip
    store.handle.advance_clock(3601)
    assert store.ok("order/get", {"order_id": shipped})["order"]["status"] == 100
    assert store.events(event="channels_ec_order_confirm")[-1]["message"]["order_info"]["confirm_type"] == 2
    assert store.events(event="channels_ec_order_settle") == []
    store.handle.advance_clock(7 * 86400 + 1)
    store.refresh_token()
    settled = store.events(event="channels_ec_order_settle")[-1]["message"]["order_info"]
    assert settled["order_id"] == int(shipped) and settled["settle_time"] > 0
    info = store.ok("order/get", {"order_id": shipped})["order"]["order_detail"]["settle_info"]
    assert (
        info["settle_time"] == settled["settle_time"]
        and info["commission_fee"] == info["predict_commission_fee"] > 0
    )


def test_buyer_order_refusals_write_nothing(quiet_store):
    store = quiet_store
    product_id, skus = listed(store)
    draft = store.add_product(listing=0)

    def refused(**body):
        response = store.handle.client.post("/sandbox/store/orders", json={"user": "xiaoming", **body})
        return response.status_code, response.json()["error"]

    assert refused(product_id=product_id, sku_id=skus[1], count=6) == (409, "out_of_stock")
    assert refused(product_id=draft, sku_id=store.sku_ids(draft)[0]) == (409, "not_on_sale")
    assert refused(product_id=product_id, sku_id="1") == (404, "not_found")
    assert refused(product_id=product_id, sku_id=skus[0], finder_id="sphNotBound01") == (
        409,
        "finder_not_bound",
    )
    assert refused(product_id=product_id, sku_id=skus[0], count=0) == (400, "invalid_request")
    assert refused(product_id=product_id, sku_id=skus[0], user="nobody") == (404, "not_found")
    assert refused(items=[{"product_id": product_id, "sku_id": skus[0]}, {"product_id": product_id,
                   "sku_id": skus[1], "count": 99}]) == (409, "out_of_stock")  # fmt: skip
    assert stock(store, product_id, skus[0]) == 20 and stock(store, product_id, skus[1]) == 5
    assert store.control("GET", "orders")["orders"] == []


def test_concurrent_buyers_never_oversell(quiet_store):
    store = quiet_store
    product_id, skus = listed(store)

    def buy(user):
        response = store.handle.client.post("/sandbox/store/orders", json={
            "user": user, "product_id": product_id, "sku_id": skus[1]})  # fmt: skip
        return response.status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(buy, ["xiaoming", "lihua", "wangfang"] * 4))
    assert codes.count(201) == 5 and codes.count(409) == 7
    assert stock(store, product_id, skus[1]) == 0


def test_list_by_time_range_pages_with_next_key_and_refuses_wide_ranges(quiet_store):
    store = quiet_store
    product_id, skus = listed(store)
    made = [order(store, product_id, skus[0])["order_id"] for _ in range(5)]
    store.control("POST", f"orders/{made[0]}/pay")
    seen, key = [], ""
    while True:
        page = store.ok(
            "order/list/get", {"create_time_range": day_range(store), "page_size": 2, "next_key": key}
        )
        seen += page["order_id_list"]
        key = page["next_key"]
        if not page["has_more"]:
            break
    assert seen == made
    paid = store.ok("order/list/get", {"update_time_range": day_range(store), "status": 20})
    assert paid["order_id_list"] == [made[0]]
    mine = store.ok("order/list/get", {"create_time_range": day_range(store),
                                       "openid": store.handle.openid("lihua", store.app.appid)})  # fmt: skip
    assert mine["order_id_list"] == []
    wide = {"start_time": 0, "end_time": 8 * 86400}
    assert store.errcode("order/list/get", {"create_time_range": wide}) == 10020004
    assert store.errcode("order/list/get", {}) == 10020004
    assert store.errcode("order/list/get", {"create_time_range": day_range(store), "page_size": 101}) == 40097
    assert (
        store.errcode("order/list/get", {"create_time_range": day_range(store), "next_key": "%%%"}) == 40097
    )


def test_search_price_change_notes_and_masking(quiet_store):
    store = quiet_store
    product_id, skus = listed(store)
    first = order(store, product_id, skus[0], 2)["order_id"]
    second = order(store, product_id, skus[1])["order_id"]
    store.ok("order/merchantnotes/update", {"order_id": second, "merchant_notes": "加急发货"})
    found = store.ok("order/search", {"search_condition": {"merchant_notes": "加急"}})
    assert found["orders"] == [second]
    by_code = store.ok("order/search", {"search_condition": {"sku_code": "PC00116G"}})["orders"]
    assert by_code == [first]
    assert store.ok("order/search", {"search_condition": {"tel_number_last4": "8001"}})["orders"] == [
        first,
        second,
    ]
    change = {"order_id": first, "change_order_infos": [{"product_id": product_id, "sku_id": skus[0],
              "change_price": 700000}], "change_express": True, "express_fee": 1000}  # fmt: skip
    store.ok("order/price/update", change)
    price = store.ok("order/get", {"order_id": first})["order"]["order_detail"]["price_info"]
    assert price["order_price"] == 701000 and price["freight"] == 1000
    too_high = dict(change, change_order_infos=[dict(change["change_order_infos"][0], change_price=10**9)])
    assert store.errcode("order/price/update", too_high) == 40097
    store.control("POST", f"orders/{first}/pay")
    assert store.errcode("order/price/update", change) == 10020001
    masked = store.ok("order/get", {"order_id": first, "encode_sensitive_info": True})["order"]
    address = masked["order_detail"]["delivery_info"]["address_info"]
    assert address["tel_number"] == "138****8001" and address["detail_info"] == "***"
    decoded = store.ok("order/sensitiveinfo/decode", {"order_id": first})["address_info"]
    assert decoded["tel_number"] == "13800138001"
    companies = store.ok("order/deliverycompanylist/get", {})["company_list"]
    assert {"delivery_id": "SF", "delivery_name": "顺丰速运"} in companies
    assert store.errcode("order/get", {"order_id": "1"}) == 100002
    assert (
        store.errcode("order/merchantnotes/update", {"order_id": first, "merchant_notes": "长" * 201})
        == 40097
    )


@pytest.mark.parametrize(
    ("parcel", "errcode"),
    [
        ({"delivery_id": "SF", "waybill_id": "SF1", "deliver_type": 1, "is_all_product": True}, 109000),
        ({"delivery_id": "NOPE", "waybill_id": "SF12345", "deliver_type": 1, "is_all_product": True}, 109000),
        ({"delivery_id": "SF", "waybill_id": "SF12345", "deliver_type": 1}, 109002),
        ({"deliver_type": 3, "is_all_product": True}, 109000),
    ],
)
def test_delivery_validation(quiet_store, parcel, errcode):
    store = quiet_store
    product_id, skus = listed(store)
    order_id = order(store, product_id, skus[0])["order_id"]
    store.control("POST", f"orders/{order_id}/pay")
    assert store.errcode("order/delivery/send", {"order_id": order_id, "delivery_list": [parcel]}) == errcode
    assert store.ok("order/get", {"order_id": order_id})["order"]["status"] == 20


def test_two_whole_order_parcels_in_one_call_are_refused(quiet_store):
    store = quiet_store
    product_id, skus = listed(store)
    order_id = order(store, product_id, skus[0], 2)["order_id"]
    store.control("POST", f"orders/{order_id}/pay")
    parcel = {"delivery_id": "SF", "waybill_id": "SF1234567890", "deliver_type": 1, "is_all_product": True}
    assert (
        store.errcode("order/delivery/send", {"order_id": order_id, "delivery_list": [parcel, parcel]})
        == 109001
    )
    assert store.ok("order/get", {"order_id": order_id})["order"]["status"] == 20
