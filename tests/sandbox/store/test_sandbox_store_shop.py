"""Shop basics, the store token, Channels-account binding, categories and image upload (reference §2–3)."""

import io

import pytest
from store_client import StoreClient, product_body

from wxsandbox.config import OFFICIAL_ACCOUNT, STORE

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_store_app_gets_its_token_from_stable_token_and_only_it_may_call_the_store(store):
    assert store.app.kind == STORE
    info = store.ok("basics/info/get", method="GET")["info"]
    assert info["subject_type"] == "企业" and info["status"] == "open_finished"
    assert info["username"].startswith("gh_") and info["nickname"] == store.app.name
    assert store.ok("basics/info/get", {})["info"] == info  # POST with {} works too
    oa_token = store.handle.access_token(store.handle.app_of_kind(OFFICIAL_ACCOUNT))
    answer = store.handle.client.get("/channels/ec/basics/info/get", params={"access_token": oa_token}).json()
    assert answer["errcode"] == 48001
    no_token = store.handle.client.get("/channels/ec/basics/info/get").json()
    assert no_token["errcode"] == 41001


def test_wire_refusals_post_only_apis_bodies_and_unknown_paths(store):
    assert store.errcode("product/add", method="GET") == 43002
    response = store.handle.client.post(
        "/channels/ec/product/get", params={"access_token": store.token}, content=b"{not json"
    )
    assert response.json()["errcode"] == 47001
    empty = store.handle.client.post("/channels/ec/product/get", params={"access_token": store.token})
    assert empty.json()["errcode"] == 44002
    assert store.errcode("product/get", [1, 2]) == 47001
    assert store.errcode("no/such/api", {}) == 40066


def test_personal_shop_type_knob_limits_bindings_and_restricted_categories(make_store):
    store = make_store(store={"shop_type": "personal"})
    assert store.ok("basics/info/get", method="GET")["info"]["subject_type"] == "个体工商户"
    bound = store.control("GET", "finders")
    assert bound["limit"] == 1 and len(bound["finders"]) == 1  # the shop's official account
    refused = store.handle.client.post("/sandbox/store/finders", json={"nickname": "第二个号"})
    assert refused.status_code == 409 and refused.json()["error"] == "finder_limit_reached"
    usable = {c["cat_id"] for c in store.ok("category/list/get", method="GET")["list"]}
    assert "6091" in usable and "6201" not in usable and "6301" not in usable
    food = product_body(
        cats_v2=[{"cat_id": "10000200"}, {"cat_id": "10000201"}, {"cat_id": "6201"}],
        head_imgs=[product_body()["head_imgs"][0] + str(i) for i in range(4)],
        attrs=[{"attr_key": k, "attr_value": "x"} for k in ("品牌", "保质期", "生产许可证编号")],
        skus=[dict(product_body()["skus"][0], sku_attrs=[{"attr_key": "规格", "attr_value": "500g"}])],
    )
    assert store.errcode("product/add", food) == 10020018


def test_enterprise_shop_binds_up_to_its_limit_and_unbinds(store):
    official = store.control("GET", "finders")["finders"][0]["finder_id"]
    for n in range(4):
        made = store.control("POST", "finders", json={"nickname": f"分号{n}", "finder_id": f"sphTest0000{n}"})
        assert made["finder_id"] == f"sphTest0000{n}"
    again = store.handle.client.post(
        "/sandbox/store/finders", json={"nickname": "重复", "finder_id": official}
    )
    assert again.status_code == 409 and again.json()["error"] == "already_bound"
    full = store.handle.client.post("/sandbox/store/finders", json={"nickname": "第六个"})
    assert full.status_code == 409 and full.json()["error"] == "finder_limit_reached"
    assert store.control("DELETE", "finders/sphTest00001") == {"unbound": "sphTest00001"}
    assert store.handle.client.delete("/sandbox/store/finders/sphTest00001").status_code == 404
    assert len(store.control("GET", "finders")["finders"]) == 4
    bad = store.handle.client.post("/sandbox/store/finders", json={"nickname": "x", "finder_id": "abc"})
    assert bad.status_code == 400


def test_category_tree_chains_leaf_first_and_detail_has_attrs(store):
    cats = store.ok("category/all", method="GET")["cats_v2"]
    chains = {c["cat_and_qua"][0]["cat"]["cat_id"]: c["cat_and_qua"] for c in cats}
    desktop = chains["6091"]
    assert [e["cat"]["cat_id"] for e in desktop] == ["6091", "10000113", "10000111"]
    assert desktop[0]["cat"]["leaf"] is True and desktop[2]["cat"]["f_cat_id"] == "0"
    assert (
        chains["6201"][0]["qua"]["need_to_apply"] is True
        and chains["6091"][0]["qua"]["need_to_apply"] is False
    )
    roots = store.ok("category/availablesoncategories/get", {"f_cat_id": 0})["cat_list"]
    assert {"电脑、办公", "食品饮料", "美妆护肤"} == {c["name"] for c in roots}
    detail = store.ok("category/detail", {"cat_id": "6092"})
    assert detail["info"] == {"cat_id": "6092", "name": "笔记本"}
    attr = detail["attr"]
    assert {a["name"] for a in attr["sale_attr_list"]} >= {"颜色", "内存容量", "存储容量"}
    assert any(a["name"] == "品牌" and a["is_required"] for a in attr["product_attr_list"])
    assert attr["transactionfee_info"]["basis_point"] > 0 and attr["seven_day_return"] is True
    assert store.ok("category/detail", {"cat_id": 6201})["product_qua_list"][0]["name"] == "食品经营许可证"
    assert store.errcode("category/detail", {"cat_id": "999"}) == 10020017
    assert store.errcode("category/detail", {"cat_id": "abc"}) == 10020017


def test_image_upload_returns_an_mmecimage_url_whose_bytes_the_control_api_serves(store):
    response = store.handle.client.post(
        "/channels/ec/basics/img/upload",
        params={"access_token": store.token, "upload_type": 0, "resp_type": 1},
        files={"media": ("main.png", io.BytesIO(PNG), "image/png")},
    )
    pic = response.json()["pic_file"]
    assert pic["img_url"] == f"https://mmecimage.cn/p/{store.app.appid}/{pic['media_id']}"
    served = store.handle.client.get(f"/sandbox/store/media/{pic['media_id']}")
    assert served.content == PNG and served.headers["content-type"] == "image/png"
    by_url = store.ok(
        "basics/img/upload", {"img_url": "https://example.com/a.jpg"}, upload_type=1, resp_type=0
    )
    assert "img_url" not in by_url["pic_file"] and by_url["pic_file"]["media_id"]
    not_image = store.handle.client.post(
        "/channels/ec/basics/img/upload",
        params={"access_token": store.token, "upload_type": 0, "resp_type": 1},
        files={"media": ("x.txt", io.BytesIO(b"<script>alert(1)</script>"), "text/plain")},
    )
    assert not_image.json()["errcode"] == 40004
    assert store.errcode("basics/img/upload", {"img_url": "file:///etc/passwd"}, upload_type=1) == 40097


@pytest.mark.parametrize("path", ["category/all", "basics/info/get", "category/list/get"])
def test_bodyless_reads_accept_get_and_post(store, path):
    assert store.ok(path, method="GET") == store.ok(path, {})


def test_a_second_store_app_has_its_own_products(wxsandbox_factory, wxsandbox_base_config):
    import dataclasses

    second = dataclasses.replace(wxsandbox_base_config.apps_of_kind(STORE)[0], appid="wx5b1f0a7c3e9d0c04")
    handle = wxsandbox_factory(
        dataclasses.replace(wxsandbox_base_config, apps=(*wxsandbox_base_config.apps, second))
    )
    first = StoreClient(handle)
    product_id = first.add_product()
    token = handle.client.post(
        "/cgi-bin/stable_token",
        json={"grant_type": "client_credential", "appid": second.appid, "secret": second.secret},
    ).json()["access_token"]
    other = handle.client.post(
        "/channels/ec/product/get", params={"access_token": token}, json={"product_id": product_id}
    ).json()
    assert other["errcode"] == 10020052


def test_daily_quota_per_path_answers_45009_and_quota_get_and_clear_work(make_store):
    store = make_store(store={"daily_quotas": {"/channels/ec/basics/info/get": 2}})

    def quota(path):
        return store.ok("/cgi-bin/openapi/quota/get", {"cgi_path": path})

    assert store.errcode("basics/info/get", {}) == 0
    assert store.errcode("basics/info/get", {}) == 0
    assert store.errcode("basics/info/get", {}) == 45009
    assert quota("/channels/ec/basics/info/get")["quota"] == {"daily_limit": 2, "used": 2, "remain": 0}
    assert quota("/channels/ec/category/all")["quota"]["used"] == 0
    store.ok("/cgi-bin/openapi/quota/clear", {"cgi_path": "/channels/ec/basics/info/get"})
    assert store.errcode("basics/info/get", {}) == 0
    assert store.errcode("/cgi-bin/openapi/quota/get", {"cgi_path": "/channels/ec/nope"}) == 76021
    assert store.errcode("/cgi-bin/openapi/quota/get", {"cgi_path": "channels"}) == 76003
    assert store.errcode("/cgi-bin/openapi/quota/clear", {"cgi_path": "/cgi-bin/token"}) == 76022
    store.handle.advance_clock(86400)
    store.refresh_token()
    assert store.errcode("basics/info/get", {}) == 0  # a new day
