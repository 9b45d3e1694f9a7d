"""Products per reference §4: draft vs online, audit outcomes and delay, listing, paging, stock rules, events."""

import pytest
from store_client import IMG, decrypt_push, product_body


def test_add_with_listing_passes_audit_goes_online_and_pushes_update_audit_listing(store, shop_server):
    answer = store.ok("product/add", product_body(listing=1))
    product_id = answer["data"]["product_id"]
    assert isinstance(product_id, str) and product_id.isdigit()
    assert len(answer["data"]["create_time"]) == len("2025-07-01 14:38:33")
    got = store.product(product_id)
    online, draft = got["product"], got["edit_product"]
    assert online["status"] == 5 and draft["edit_status"] == 4
    assert online["title"] == "家用办公台式电脑主机 i5 16G 512G" and online["min_price"] == 399900
    assert [s["stock_num"] for s in online["skus"]] == [20, 5]
    assert all(isinstance(s["sku_id"], str) for s in online["skus"])
    assert store.event_names(product_id) == ["product_spu_update", "product_spu_audit", "product_spu_listing"]
    shop_server.wait_for(3)
    pushed = [decrypt_push(store.app, r) for r in shop_server.requests]
    bodies = {"product_spu_update": "ProductSpuUpdate", "product_spu_audit": "ProductSpuAudit",
              "product_spu_listing": "ProductSpuListing"}  # fmt: skip
    # concurrent deliveries may arrive in any order, as WeChat's do
    assert sorted((p["Event"], p[bodies[p["Event"]]]["status"]) for p in pushed) == [
        ("product_spu_audit", 3), ("product_spu_listing", 5), ("product_spu_update", 1)]  # fmt: skip
    assert all(p["ToUserName"].startswith("gh_") and p["MsgType"] == "event" for p in pushed)
    assert (
        next(p for p in pushed if p["Event"] == "product_spu_audit")["ProductSpuAudit"]["product_id"]
        == product_id
    )


def test_draft_without_listing_is_not_online_and_data_type_selects_copies(quiet_store):
    store = quiet_store
    product_id = store.add_product(listing=0)
    assert "product" not in store.product(product_id, 3)
    assert store.product(product_id, 2)["edit_product"]["edit_status"] == 1
    assert "product" not in store.product(product_id, 1) and "edit_product" not in store.product(
        product_id, 1
    )
    assert store.errcode("product/get", {"product_id": product_id, "data_type": 4}) == 40097
    assert store.errcode("product/stock/update", {"product_id": product_id, "sku_id": store.sku_ids(product_id)[0],
                                                  "diff_type": 1, "num": 1}) == 10020289  # fmt: skip
    store.ok("product/listing", {"product_id": product_id})
    assert store.product(product_id)["product"]["status"] == 5


def test_update_of_a_listed_product_keeps_the_online_copy_until_audit(make_store):
    store = make_store(store={"audit_outcome": "manual"})
    product_id = store.add_product()
    assert store.product(product_id)["edit_product"]["edit_status"] == 2
    store.control("POST", f"products/{product_id}/audit", json={"outcome": "pass"})
    skus = store.product(product_id)["edit_product"]["skus"]
    changed = product_body(product_id=product_id, title="家用办公台式电脑主机 i7 32G 1T", listing=1)
    changed["skus"] = [dict(changed["skus"][0], sku_id=skus[0]["sku_id"], sale_price=419900, stock_num=999)]
    store.ok("product/update", changed)
    got = store.product(product_id)
    assert got["product"]["title"] == "家用办公台式电脑主机 i5 16G 512G" and len(got["product"]["skus"]) == 2
    assert got["edit_product"]["title"].endswith("i7 32G 1T") and got["edit_product"]["edit_status"] == 2
    assert store.errcode("product/update", changed) == 10020217  # draft under audit
    assert store.errcode("product/stock/update", {"product_id": product_id, "sku_id": skus[0]["sku_id"],
                                                  "diff_type": 1, "num": 1}) == 10020217  # fmt: skip
    store.control("POST", f"products/{product_id}/audit", json={"outcome": "pass"})
    online = store.product(product_id)["product"]
    assert online["title"].endswith("i7 32G 1T") and online["status"] == 5
    assert [(s["sku_id"], s["sale_price"], s["stock_num"]) for s in online["skus"]] == [
        (skus[0]["sku_id"], 419900, 20)  # existing SKU keeps its stock; the dropped SKU is gone
    ]


def test_rejected_audit_gives_reason_in_push_and_by_polling(make_store, shop_server):
    store = make_store(store={"audit_outcome": "reject", "audit_reason": "主图含有违规文字"})
    product_id = store.add_product()
    draft = store.product(product_id)["edit_product"]
    assert draft["edit_status"] == 3 and draft["audit_info"]["reject_reason"] == "主图含有违规文字"
    assert "product" not in store.product(product_id)
    shop_server.wait_for(2)
    pushed = [decrypt_push(store.app, r) for r in shop_server.requests]
    audit = next(p for p in pushed if p["Event"] == "product_spu_audit")["ProductSpuAudit"]
    assert audit["status"] == 2 and audit["reason"] == "主图含有违规文字"
    assert "主图含有违规文字" in audit["audit_info"]  # a JSON string, as the reference shows


def test_audit_delay_is_scaled_by_time_factor_and_clock_advance(make_store):
    store = make_store(store={"audit_delay_seconds": 3600})
    product_id = store.add_product()
    assert store.product(product_id)["edit_product"]["edit_status"] == 2
    store.handle.advance_clock(3601)
    assert store.product(product_id)["product"]["status"] == 5
    # time_factor 0.001: a 5 s audit finishes within milliseconds of real time, pushed without any call
    store.control("POST", "settings", json={"audit_delay_seconds": 5})
    second = store.add_product()
    store.handle.wait_for(lambda: "product_spu_listing" in store.event_names(second), timeout=5)


def test_audit_cancel_delisting_relisting_and_delete(make_store):
    store = make_store(store={"audit_outcome": "manual"})
    product_id = store.add_product()
    store.ok("product/audit/cancel", {"product_id": product_id})
    assert store.product(product_id)["edit_product"]["edit_status"] == 1
    assert store.errcode("product/audit/cancel", {"product_id": product_id}) == 10020001
    refused = store.handle.client.post(
        f"/sandbox/store/products/{product_id}/audit", json={"outcome": "pass"}
    )
    assert refused.status_code == 409
    store.ok("product/listing", {"product_id": product_id})
    store.ok("product/listing", {"product_id": product_id})  # again while pending: nothing new
    store.control("POST", f"products/{product_id}/audit", json={"outcome": "pass"})
    store.ok("product/delisting", {"product_id": product_id})
    assert store.product(product_id)["product"]["status"] == 11
    assert store.errcode("product/delisting", {"product_id": product_id}) == 10020001
    store.ok("product/listing", {"product_id": product_id})
    store.control("POST", f"products/{product_id}/audit", json={"outcome": "pass"})
    assert store.product(product_id)["product"]["status"] == 5
    store.ok("product/delete", {"product_id": product_id})
    assert store.product(product_id)["product"]["status"] == 6
    assert store.errcode("product/update", product_body(product_id=product_id)) == 10020008
    assert store.errcode("product/delete", {"product_id": product_id}) == 10020008
    names = store.event_names(product_id)
    assert names.count("product_spu_audit") == 3 and names[-1] == "product_spu_update"
    listings = [
        e["message"]["ProductSpuListing"]["status"] for e in store.events(event="product_spu_listing")
    ]
    assert listings == [5, 11, 5]


def test_platform_delisting_pushes_its_status_and_reason(quiet_store):
    store = quiet_store
    product_id = store.add_product()
    store.control(
        "POST", f"products/{product_id}/platform-delist", json={"status": 14, "reason": "保证金不足"}
    )
    assert store.product(product_id)["product"]["status"] == 14
    last = store.events(event="product_spu_listing")[-1]["message"]["ProductSpuListing"]
    assert last == {"product_id": product_id, "status": 14, "reason": "保证金不足", "product_type": 1}


def test_list_pages_with_next_key_and_filters_by_status(quiet_store):
    store = quiet_store
    listed = [store.add_product() for _ in range(7)]
    draft = store.add_product(listing=0)
    seen, key = [], ""
    while True:
        page = store.ok("product/list/get", {"page_size": 3, "next_key": key})
        assert page["total_num"] == 7
        seen += page["product_ids"]
        if not page["product_ids"]:
            break
        key = page["next_key"]
    assert seen == listed and draft not in seen
    assert store.ok("product/list/get", {"status": 0})["product_ids"] == [draft]
    assert store.errcode("product/list/get", {"page_size": 31}) == 40097
    assert store.errcode("product/list/get", {"next_key": "@@not-base64@@"}) == 40097


def test_stock_update_diff_types_and_refusals(quiet_store):
    store = quiet_store
    product_id = store.add_product()
    sku = store.sku_ids(product_id)[0]

    def stock():
        return store.ok("product/stock/get", {"product_id": product_id, "sku_id": sku})["data"][
            "normal_stock_num"
        ]

    def update(diff_type, num):
        return store.errcode("product/stock/update", {"product_id": product_id, "sku_id": sku,
                                                      "diff_type": diff_type, "num": num})  # fmt: skip

    assert update(1, 5) == 0 and stock() == 25
    assert update(2, 10) == 0 and stock() == 15
    assert update(2, 16) == 10020219 and stock() == 15
    assert update(3, 7) == 0 and stock() == 7
    assert update(3, 0) == 0 and stock() == 0
    assert update(1, 0) == 10020218 and update(4, 1) == 10020051
    assert update(1, -1) == 40097 and update(1, "3") == 47001
    other = store.add_product()
    assert store.errcode("product/stock/update", {"product_id": other, "sku_id": sku, "diff_type": 1,
                                                  "num": 1}) == 10020051  # fmt: skip
    assert store.errcode("product/stock/update", {"product_id": "999", "sku_id": sku, "diff_type": 1,
                                                  "num": 1}) == 10020052  # fmt: skip
    batch = store.ok("product/stock/batchget", {"product_ids": [product_id, int(other), "1"]})["data"]
    assert [p["product_id"] for p in batch["spu_stock_list"]] == [product_id, other]
    assert batch["spu_stock_list"][0]["sku_stock"][0] == {"sku_id": sku, **store.ok(
        "product/stock/get", {"product_id": product_id, "sku_id": sku})["data"]}  # fmt: skip


def test_concurrent_decrements_never_oversell(quiet_store):
    store = quiet_store
    from concurrent.futures import ThreadPoolExecutor

    product_id = store.add_product()
    sku = store.sku_ids(product_id)[1]  # 5 in stock

    def take(_):
        return store.errcode("product/stock/update", {"product_id": product_id, "sku_id": sku,
                                                      "diff_type": 2, "num": 1})  # fmt: skip

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(take, range(12)))
    assert results.count(0) == 5 and results.count(10020219) == 7


@pytest.mark.parametrize(
    ("change", "errcode"),
    [
        ({"title": ""}, 10020020),
        ({"title": "电脑" * 31}, 10020021),
        ({"title": "电脑主机"}, 10020042),
        ({"title": "Gaming PC i5 16G"}, 10020045),
        ({"head_imgs": []}, 10020022),
        ({"head_imgs": [IMG + "A", IMG + "B"]}, 10020022),
        ({"head_imgs": [IMG + str(i) for i in range(10)]}, 10020023),
        ({"head_imgs": ["https://evil.example/a.png", IMG + "B", IMG + "C"]}, 10020035),
        ({"desc_info": {"imgs": [], "desc": "长" * 2001}}, 10020026),
        ({"cats_v2": [{"cat_id": "10000111"}, {"cat_id": "6091"}]}, 10020011),
        ({"cats_v2": [{"cat_id": "10000111"}, {"cat_id": "10000114"}, {"cat_id": "6091"}]}, 10020017),
        ({"attrs": []}, 10020051),
        ({"skus": []}, 10020013),
        ({"out_product_id": "x" * 129}, 10020036),
        ({"title": 12345}, 47001),
    ],
)
def test_spu_validation_errors(quiet_store, change, errcode):
    store = quiet_store
    assert store.errcode("product/add", product_body(**change)) == errcode
    assert store.control("GET", "products")["products"] == []  # nothing written


@pytest.mark.parametrize(
    ("sku_change", "errcode"),
    [
        ({"sale_price": 0}, 10020039),
        ({"sale_price": 10_000_001, "market_price": 0}, 10020028),
        ({"sale_price": 500000, "market_price": 400000}, 10020040),
        ({"sku_code": "C" * 21}, 10020029),
        ({"out_sku_id": "S" * 129}, 10020037),
        ({"sku_attrs": [{"attr_key": "口味", "attr_value": "辣"}]}, 10020012),
        ({"sku_attrs": [{"attr_key": "颜色", "attr_value": "红" * 41}]}, 10020033),
        ({"thumb_img": "http://mmecimage.cn/p/x"}, 10020035),
        ({"sku_id": "123"}, 10020051),
        ({"sale_price": "399900"}, 47001),
    ],
)
def test_sku_validation_errors(quiet_store, sku_change, errcode):
    store = quiet_store
    body = product_body()
    body["skus"] = [dict(body["skus"][0], **sku_change)]
    assert store.errcode("product/add", body) == errcode


def test_ids_are_accepted_as_numbers_and_hostile_strings_are_refused(quiet_store):
    store = quiet_store
    product_id = store.add_product()
    assert store.product(int(product_id))["product"]["product_id"] == product_id
    for bad in ["1 OR 1=1", "-5", "１２３", True, 1.5, "9" * 30]:
        assert store.errcode("product/get", {"product_id": bad}) == 10020000


def test_bulk_seeded_products_are_listed_at_once_and_page_and_batch_like_the_rest(quiet_store):
    store = quiet_store
    items = [
        {"out_product_id": f"SEED{i}", "skus": [{"out_sku_id": f"SEED{i}-{j}", "sale_price": 1000 + j, "stock": j}
                                               for j in range(3)]}
        for i in range(70)
    ]  # fmt: skip
    created = store.control("POST", "products/bulk", json={"products": items})["products"]
    assert [c["out_product_id"] for c in created] == [f"SEED{i}" for i in range(70)]
    later = store.add_product()
    assert int(later) == int(created[-1]["product_id"]) + 1  # one id sequence
    seen, key = [], ""
    while True:
        page = store.ok("product/list/get", {"page_size": 30, "next_key": key})
        if not page["product_ids"]:
            break
        seen += page["product_ids"]
        key = page["next_key"]
    assert seen == [c["product_id"] for c in created] + [later] and page["total_num"] == 71
    batch = store.ok("product/stock/batchget", {"product_ids": [c["product_id"] for c in created[:50]]})[
        "data"
    ]
    assert [s["normal_stock_num"] for s in batch["spu_stock_list"][7]["sku_stock"]] == [0, 1, 2]
    first = created[0]
    assert store.product(first["product_id"])["product"]["status"] == 5
    sku = first["skus"][2]["sku_id"]
    store.ok(
        "product/stock/update", {"product_id": first["product_id"], "sku_id": sku, "diff_type": 2, "num": 2}
    )
    assert {e["business_id"] for e in store.events()} == {later}  # seeding and stock updates push nothing
    bad = store.handle.client.post("/sandbox/store/products/bulk", json={"products": [{"skus": []}]})
    assert bad.status_code == 400


def test_injected_api_faults_answer_in_wechats_envelope(quiet_store):
    store = quiet_store
    product_id = store.add_product()
    store.handle.add_fault(target="store.product.get", errcode=45009, times=1)
    store.handle.add_fault(target="/channels/ec/product/list/get", errcode=-1, times=1)
    assert store.errcode("product/get", {"product_id": product_id}) == 45009
    assert store.errcode("product/get", {"product_id": product_id}) == 0
    assert store.errcode("product/list/get", {}) == -1
    store.handle.add_fault(target="store.stock.update", http_status=503, times=1)
    response = store.handle.client.post("/channels/ec/product/stock/update", params={"access_token": store.token},
                                        json={"product_id": product_id})  # fmt: skip
    assert response.status_code == 503
