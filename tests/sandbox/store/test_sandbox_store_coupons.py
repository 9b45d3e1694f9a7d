"""Coupons per reference §7.1–7.5: create/update/status/get/list, buyers claiming and using them in orders,
user coupons, and the coupon events."""

import pytest


def coupon_body(store, **overrides):
    now = int(store.handle.control("GET", "clock")["now"])
    body = {
        "type": 102,
        "name": "满500减50",
        "promote_info": {"promote_type": 1},
        "discount_info": {"discount_condition": {"product_price": 50000}, "discount_fee": 5000},
        "receive_info": {
            "start_time": now - 60,
            "end_time": now + 86400,
            "limit_num_one_person": 1,
            "total_num": 2,
        },
        "valid_info": {"valid_type": 2, "valid_day_num": 7},
    }
    body.update(overrides)
    return body


def live_coupon(store, **overrides):
    coupon_id = store.ok("coupon/create", coupon_body(store, **overrides))["data"]["coupon_id"]
    store.ok("coupon/update_status", {"coupon_id": coupon_id, "status": 2})
    return coupon_id


def claim(store, coupon_id, user="xiaoming"):
    return store.handle.client.post(f"/sandbox/store/coupons/{coupon_id}/claim", json={"user": user})


def test_lifecycle_statuses_and_their_events(store):
    coupon_id = store.ok("coupon/create", coupon_body(store))["data"]["coupon_id"]
    got = store.ok("coupon/get", {"coupon_id": coupon_id})["coupon"]
    assert got["status"] == 1 and got["type"] == 102 and got["coupon_info"]["name"] == "满500减50"
    assert got["stock_info"] == {"issued_num": 2, "receive_num": 0, "used_num": 0}
    changed = coupon_body(store, name="满500减80")
    changed["discount_info"]["discount_fee"] = 8000
    store.ok("coupon/update", {"coupon_id": coupon_id, **changed})
    assert (
        store.ok("coupon/get", {"coupon_id": int(coupon_id)})["coupon"]["coupon_info"]["name"] == "满500减80"
    )
    store.ok("coupon/update_status", {"coupon_id": coupon_id, "status": 2})
    assert store.errcode("coupon/update_status", {"coupon_id": coupon_id, "status": 1}) == 10021001
    store.ok("coupon/update_status", {"coupon_id": coupon_id, "status": 4})
    assert store.errcode("coupon/update_status", {"coupon_id": coupon_id, "status": 2}) == 10021001
    assert store.errcode("coupon/update", {"coupon_id": coupon_id, **changed}) == 10021001
    store.ok("coupon/update_status", {"coupon_id": coupon_id, "status": 5})
    assert store.errcode("coupon/update_status", {"coupon_id": coupon_id, "status": 5}) == 10021001
    assert store.errcode("coupon/get", {"coupon_id": "1"}) == 10021037
    assert store.event_names(coupon_id) == ["channels_ec_coupon_create", "channels_ec_coupon_info_change",
                                            "channels_ec_coupon_invalid", "channels_ec_coupon_delete"]  # fmt: skip
    info = store.events(event="channels_ec_coupon_create")[0]["message"]["coupon_info"]
    assert info["coupon_id"] == coupon_id and isinstance(info["create_time"], int)


def test_claim_limits_use_in_an_order_and_give_back_on_cancel(store):
    coupon_id = live_coupon(store)
    mine = claim(store, coupon_id).json()["user_coupon"]
    assert mine["status"] == 100 and mine["end_time"] - mine["start_time"] == 7 * 86400
    assert claim(store, coupon_id).status_code == 409  # one per person
    assert claim(store, coupon_id, "lihua").status_code == 200
    sold_out = claim(store, coupon_id, "wangfang")
    assert sold_out.status_code == 409 and sold_out.json()["error"] == "sold_out"
    product_id = store.add_product()
    sku = store.sku_ids(product_id)[0]
    made = store.control("POST", "orders", json={"user": "xiaoming", "product_id": product_id, "sku_id": sku,
                                                 "user_coupon_id": mine["user_coupon_id"]})["order"]  # fmt: skip
    price = made["order_detail"]["price_info"]
    assert (price["product_price"], price["discounted_price"], price["order_price"]) == (399900, 5000, 394900)
    line = made["order_detail"]["product_infos"][0]
    assert (
        line["real_price"] == 394900 and line["order_product_coupon_info_list"][0]["discounted_price"] == 5000
    )
    openid = store.handle.openid("xiaoming", store.app.appid)
    used = store.ok("coupon/get_user_coupon", {"openid": openid, "user_coupon_id": mine["user_coupon_id"]})
    assert used["user_coupon"]["status"] == 102 and used["user_coupon"]["order_id"] == made["order_id"]
    assert used["unionid"]
    again = store.handle.client.post("/sandbox/store/orders", json={"user": "xiaoming", "product_id": product_id,
                                     "sku_id": sku, "user_coupon_id": mine["user_coupon_id"]})  # fmt: skip
    assert again.status_code == 409 and again.json()["error"] == "coupon_invalid"
    store.control("POST", f"orders/{made['order_id']}/cancel")
    back = store.ok("coupon/get_user_coupon", {"openid": openid, "user_coupon_id": mine["user_coupon_id"]})
    assert back["user_coupon"]["status"] == 100 and back["user_coupon"]["order_id"] == ""
    names = [e["event"] for e in store.events(business_id=coupon_id)]
    assert names.count("channels_ec_coupon_receive") == 2
    assert names[-2:] == ["channels_ec_user_coupon_use", "channels_ec_user_coupon_unuse"]
    use = store.events(event="channels_ec_user_coupon_use")[0]["message"]
    assert use["use_info"]["order_id"] == made["order_id"] and use["FromUserName"] == openid
    stock = store.ok("coupon/get", {"coupon_id": coupon_id})["coupon"]["stock_info"]
    assert stock == {"issued_num": 0, "receive_num": 2, "used_num": 0}
    listed = store.ok("coupon/get_user_coupon_list", {"openid": openid, "page": 1, "page_size": 10})
    assert listed["user_coupon_list"] == [{"user_coupon_id": mine["user_coupon_id"], "coupon_id": coupon_id}]


def test_product_coupons_apply_only_to_their_products_and_thresholds(quiet_store):
    store = quiet_store
    product_id = store.add_product()
    other = store.add_product()
    condition = {"discount_condition": {"product_ids": [product_id], "product_cnt": 2}, "discount_num": 9000}
    coupon_id = live_coupon(store, type=1, name="两件九折", discount_info=condition)
    mine = claim(store, coupon_id).json()["user_coupon"]["user_coupon_id"]
    one = store.handle.client.post("/sandbox/store/orders", json={"user": "xiaoming", "product_id": product_id,
                                   "sku_id": store.sku_ids(product_id)[0], "user_coupon_id": mine})  # fmt: skip
    assert one.status_code == 409
    wrong = store.handle.client.post("/sandbox/store/orders", json={"user": "xiaoming", "product_id": other,
                                     "sku_id": store.sku_ids(other)[0], "count": 2, "user_coupon_id": mine})  # fmt: skip
    assert wrong.status_code == 409
    made = store.control("POST", "orders", json={"user": "xiaoming", "items": [
        {"product_id": product_id, "sku_id": store.sku_ids(product_id)[0], "count": 2},
        {"product_id": other, "sku_id": store.sku_ids(other)[0]}], "user_coupon_id": mine})["order"]  # fmt: skip
    lines = made["order_detail"]["product_infos"]
    assert (
        lines[0]["merchant_discounted_price"] == 2 * 399900 // 10
        and lines[1]["merchant_discounted_price"] == 0
    )
    assert made["order_detail"]["price_info"]["order_price"] == 3 * 399900 - 2 * 399900 // 10


def test_list_pages_and_filters(quiet_store):
    store = quiet_store
    ids = [store.ok("coupon/create", coupon_body(store))["data"]["coupon_id"] for _ in range(3)]
    store.ok("coupon/update_status", {"coupon_id": ids[1], "status": 2})
    page = store.ok("coupon/get_list", {"page": 1, "page_size": 2})
    assert [c["coupon_id"] for c in page["coupons"]] == ids[:2] and page["total_num"] == 3
    assert [
        c["coupon_id"] for c in store.ok("coupon/get_list", {"page": 2, "page_size": 2})["coupons"]
    ] == ids[2:]
    assert [c["coupon_id"] for c in store.ok("coupon/get_list", {"status": 2})["coupons"]] == [ids[1]]
    assert store.errcode("coupon/get_list", {"page_size": 201}) == 40097


@pytest.mark.parametrize(
    ("change", "errcode"),
    [
        ({"type": 5}, 40097),
        ({"name": "这是一个超过十个字的优惠券名称"}, 40097),
        ({"promote_info": {"promote_type": 3}}, 40097),
        ({"discount_info": {"discount_condition": {"product_price": 50000, "product_cnt": 2}, "discount_fee": 100}},
         40097),
        ({"discount_info": {"discount_condition": {"product_price": 5000}, "discount_fee": 4500}}, 40097),
        ({"discount_info": {"discount_condition": {"product_price": 50000}, "discount_fee": 20001}}, 40097),
        ({"type": 103, "discount_info": {"discount_condition": {}, "discount_num": 1500}}, 40097),
        ({"type": 103, "discount_info": {"discount_condition": {}, "discount_num": 8050}}, 40097),
        ({"type": 4, "discount_info": {"discount_condition": {"product_ids": ["999"]}, "discount_fee": 100}},
         10020052),
        ({"receive_info": {"start_time": 0, "end_time": 1, "limit_num_one_person": 1, "total_num": 1}}, 109150),
        ({"valid_info": {"valid_type": 3}}, 40097),
    ],
)  # fmt: skip
def test_create_validation(quiet_store, change, errcode):
    store = quiet_store
    assert store.errcode("coupon/create", coupon_body(store, **change)) == errcode
    assert store.ok("coupon/get_list", {})["total_num"] == 0


def test_coupons_and_claimed_coupons_expire_with_their_events(quiet_store):
    store = quiet_store
    coupon_id = live_coupon(store)
    mine = claim(store, coupon_id).json()["user_coupon"]["user_coupon_id"]
    store.handle.advance_clock(86400 + 1)  # claiming is over
    store.refresh_token()
    assert [e["event"] for e in store.events(event="channels_ec_coupon_expire")] == [
        "channels_ec_coupon_expire"
    ]
    openid = store.handle.openid("xiaoming", store.app.appid)
    assert (
        store.ok("coupon/get_user_coupon", {"openid": openid, "user_coupon_id": mine})["user_coupon"][
            "status"
        ]
        == 100
    )
    store.handle.advance_clock(6 * 86400)  # seven days after claiming
    store.refresh_token()
    assert (
        store.ok("coupon/get_user_coupon", {"openid": openid, "user_coupon_id": mine})["user_coupon"][
            "status"
        ]
        == 101
    )
    expired = store.events(event="channels_ec_user_coupon_expire")[0]["message"]
    assert expired["user_coupon_info"]["user_coupon_id"] == mine and expired["FromUserName"] == openid
    product_id = store.add_product()
    refused = store.handle.client.post("/sandbox/store/orders", json={"user": "xiaoming", "product_id": product_id,
                                       "sku_id": store.sku_ids(product_id)[0], "user_coupon_id": mine})  # fmt: skip
    assert refused.status_code == 409
