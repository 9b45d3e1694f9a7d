"""Channels content commerce (reference §8.2–8.3): live sessions with a shelf, featured product and coupon
pop-ups, short videos with a product card, sharers, orders attributed to them, and the shop's live list."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from store_client import StoreClient, decrypt_push

from wxsandbox.config import CHANNELS, AppConfig
from wxsandbox.store import shop

BEIJING = dt.timezone(dt.timedelta(hours=8))


def coupon(store, **receive):
    now = int(store.handle.control("GET", "clock")["now"])
    body = {"type": 104, "name": "直播立减50", "promote_info": {"promote_type": 1},
            "discount_info": {"discount_fee": 5000},
            "receive_info": {"start_time": now - 60, "end_time": now + 86400, "limit_num_one_person": 2,
                             "total_num": 100} | receive,
            "valid_info": {"valid_type": 2, "valid_day_num": 7}}  # fmt: skip
    coupon_id = store.ok("coupon/create", body)["data"]["coupon_id"]
    store.ok("coupon/update_status", {"coupon_id": coupon_id, "status": 2})
    return coupon_id


def live(store, title="周六晚装机直播"):
    return store.handle.control("POST", "channels/lives", json={"title": title})


def act(store, export_id, action, **body):
    return store.handle.client.post(f"/sandbox/channels/lives/{export_id}/{action}", json=body)


def ok(store, export_id, action, **body):
    answer = act(store, export_id, action, **body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def buy(store, **data):
    return store.handle.client.post("/sandbox/store/orders", json={"user": "xiaoming", **data})


def bind_sharer(store, user="lihua"):
    store.ok("sharer/bind", {"username": user})
    return store.control("POST", "sharers", json={"user": user})


def test_a_live_session_shelf_popup_and_an_attributed_order(store, shop_server):
    product_id = store.add_product()
    sku = store.sku_ids(product_id)[0]
    other = store.add_product(out_product_id="PC-OTHER")
    session = live(store)
    export_id = session["export_id"]
    assert session["status"] == "scheduled" and export_id.startswith("export/") and session["notice_id"]
    assert session["finder_id"] == store.control("GET", "finders")["finders"][0]["finder_id"]
    assert ok(store, export_id, "reserve", user="lihua")["reservation_count"] == 1
    assert act(store, export_id, "reserve", user="lihua").json()["error"] == "already_reserved"
    assert act(store, export_id, "watch", user="xiaoming").status_code == 409  # not on air yet

    ok(store, export_id, "shelf", add=[product_id, other])
    ok(store, export_id, "start")
    shown = ok(store, export_id, "featured", product_id=product_id)
    assert shown["status"] == "live" and shown["featured_product_id"] == product_id
    assert [p["product_id"] for p in shown["shelf"]] == [product_id, other]
    ok(store, export_id, "watch", user="xiaoming")
    ok(store, export_id, "watch", user="xiaoming")
    counted = ok(store, export_id, "viewers", count=98)
    assert (counted["viewer_pv"], counted["viewer_uv"]) == (100, 99)

    popup = ok(store, export_id, "popups", coupon_id=coupon(store), duration_seconds=60)
    claimed = ok(store, export_id, f"popups/{popup['popup_id']}/claim", user="xiaoming")["user_coupon"]
    twice = act(store, export_id, f"popups/{popup['popup_id']}/claim", user="xiaoming")
    assert twice.status_code == 409 and twice.json()["error"] == "already_claimed"

    sharer = bind_sharer(store)
    made = buy(store, product_id=product_id, sku_id=sku, live_id=export_id, user_coupon_id=claimed["user_coupon_id"],
               sharer={"user": "lihua"})  # fmt: skip
    assert made.status_code == 201, made.text
    order = made.json()["order"]
    detail = order["order_detail"]
    assert detail["ext_info"]["live_id"] == export_id and detail["ext_info"]["order_scene"] == 2
    assert detail["ext_info"]["finder_id"] == session["finder_id"]
    assert (
        detail["source_infos"][0]["content_type"] == 1
        and detail["source_infos"][0]["content_id"] == export_id
    )
    assert (
        detail["sharer_info"]["sharer_openid"] == sharer["openid"]
        and detail["sharer_info"]["share_scene"] == 1
    )
    assert detail["price_info"]["order_price"] == 399900 - 5000
    store.control("POST", f"orders/{order['order_id']}/pay")
    after = store.handle.control("GET", f"channels/lives/{export_id}")
    assert (after["order_count"], after["gmv"], after["buyer_count"]) == (1, 394900, 1)

    ds = int(
        dt.datetime.fromtimestamp(store.handle.control("GET", "clock")["now"], BEIJING).strftime("%Y%m%d")
    )
    listed = store.ok("compass/shop/live/list/get", {"ds": ds})["live_list"]
    assert [(x["export_id"], x["status"]) for x in listed] == [(export_id, 1)]
    assert listed[0]["data"]["pay_gmv"] == "394900" and listed[0]["data"]["viewer_uv"] == "99"

    got = store.ok("sharer/get_sharer_order_list", {"openid": sharer["openid"], "page": 1, "page_size": 10})
    assert got["order_list"][0]["order_id"] == order["order_id"]
    assert got["order_list"][0]["finder_scene_info"]["live_export_id"] == export_id

    ok(store, export_id, "end")
    for action, body in (("shelf", {"add": [other]}), ("featured", {"product_id": other}),
                         ("popups", {"coupon_id": coupon(store)})):  # fmt: skip
        refused = act(store, export_id, action, **body)
        assert refused.status_code == 409 and refused.json()["error"] == "live_ended", action
    late = buy(store, product_id=product_id, sku_id=sku, live_id=export_id)
    assert late.status_code == 409 and late.json()["error"] == "live_not_live"

    pushed = {e["event"] for e in store.events()}
    assert {"channels_ec_coupon_receive", "channels_ec_sharer_change", "channels_ec_order_new",
            "channels_ec_user_coupon_use"} <= pushed  # fmt: skip
    first = shop_server.wait_for(1)[0]
    assert decrypt_push(store.app, first)["ToUserName"]  # delivered to the shop's server, encrypted


def test_shelf_and_popup_refusals(quiet_store):
    store = quiet_store
    product_id = store.add_product()
    sku = store.sku_ids(product_id)[0]
    off = store.add_product(out_product_id="PC-OFF", listing=0)
    export_id = live(store)["export_id"]
    assert act(store, export_id, "shelf", add=[off]).json()["error"] == "not_on_sale"
    assert act(store, export_id, "shelf", add=["99999"]).status_code == 404
    assert act(store, export_id, "featured", product_id=product_id).json()["error"] == "not_on_shelf"
    ok(store, export_id, "shelf", add=[product_id])
    ok(store, export_id, "start")
    assert buy(store, product_id=off, sku_id="1", live_id=export_id).status_code in (404, 409)
    elsewhere = store.add_product(out_product_id="PC-ELSEWHERE")
    refused = buy(store, product_id=elsewhere, sku_id=store.sku_ids(elsewhere)[0], live_id=export_id)
    assert refused.status_code == 409 and refused.json()["error"] == "not_on_shelf"
    assert buy(store, product_id=product_id, sku_id=sku, live_id=export_id, finder_id="sphOther01").json()[
        "error"
    ] in ("finder_mismatch", "finder_not_bound")
    unbound = buy(store, product_id=product_id, sku_id=sku, live_id=export_id, sharer={"user": "lihua"})
    assert unbound.status_code == 409 and unbound.json()["error"] == "sharer_not_bound"
    draft = store.ok("coupon/create", {"type": 104, "name": "未生效", "promote_info": {"promote_type": 1},
                                       "discount_info": {"discount_fee": 100},
                                       "receive_info": {"start_time": 1, "end_time": 2**31, "limit_num_one_person": 1,
                                                        "total_num": 1},
                                       "valid_info": {"valid_type": 2, "valid_day_num": 1}})["data"]["coupon_id"]  # fmt: skip
    assert act(store, export_id, "popups", coupon_id=draft).json()["error"] == "coupon_not_live"
    now = int(store.handle.control("GET", "clock")["now"])
    later = ok(store, export_id, "popups", coupon_id=coupon(store), show_at=now + 600)
    early = act(store, export_id, f"popups/{later['popup_id']}/claim", user="xiaoming")
    assert early.status_code == 409 and early.json()["error"] == "popup_not_showing"
    assert act(store, export_id, "popups", coupon_id=coupon(store), duration_seconds=5).status_code == 400
    assert act(store, "export/nope", "start").status_code == 404
    assert act(store, export_id, "start").json()["error"] == "invalid_state"
    assert act(store, export_id, "viewers", count=0).status_code == 400


def test_popup_sold_out_after_its_stock_is_claimed(quiet_store):
    store = quiet_store
    product_id = store.add_product()
    export_id = live(store)["export_id"]
    ok(store, export_id, "shelf", add=[product_id])
    ok(store, export_id, "start")
    popup = ok(store, export_id, "popups", coupon_id=coupon(store, total_num=1))
    ok(store, export_id, f"popups/{popup['popup_id']}/claim", user="xiaoming")
    gone = act(store, export_id, f"popups/{popup['popup_id']}/claim", user="lihua")
    assert gone.status_code == 409 and gone.json()["error"] == "sold_out"
    retry = act(store, export_id, f"popups/{popup['popup_id']}/claim", user="lihua")
    assert retry.json()["error"] == "sold_out"  # the refused claim left no trace: not "already_claimed"


def test_a_short_video_counts_views_and_its_card_orders(quiet_store):
    store = quiet_store
    product_id = store.add_product()
    sku = store.sku_ids(product_id)[0]
    video = store.handle.control(
        "POST", "channels/videos", json={"title": "i5 主机开箱评测", "product_id": product_id}
    )
    video_id = video["video_id"]
    assert video["product_title"] and video["price"] == 399900
    client = store.handle.client
    for user in ("xiaoming", "xiaoming", "lihua"):
        client.post(f"/sandbox/channels/videos/{video_id}/view", json={"user": user})
    counted = client.post(f"/sandbox/channels/videos/{video_id}/view", json={"count": 5000}).json()
    assert (counted["views"], counted["uv"]) == (5003, 5002)
    other = store.add_product(out_product_id="PC-NOTCARD")
    refused = buy(store, product_id=other, sku_id=store.sku_ids(other)[0], video_id=video_id)
    assert refused.status_code == 409 and refused.json()["error"] == "not_on_card"
    made = buy(store, product_id=product_id, sku_id=sku, video_id=video_id).json()["order"]
    source = made["order_detail"]["source_infos"][0]
    assert (source["content_type"], source["content_id"]) == (2, video_id)
    assert made["order_detail"]["ext_info"]["order_scene"] == 3
    store.control("POST", f"orders/{made['order_id']}/pay")
    assert store.handle.control("GET", f"channels/videos/{video_id}")["gmv"] == 399900
    assert (
        client.post("/sandbox/channels/videos", json={"title": "x", "product_id": "123"}).status_code == 404
    )


def test_sharer_invitations_binding_listing_and_unbinding(quiet_store):
    store = quiet_store
    assert store.errcode("sharer/bind", {"username": "nobody"}) == 10070000
    answer = store.ok("sharer/bind", {"username": "lihua"})
    assert answer["qrcode_img"].startswith("https://") and answer["qrcode_img_base64"]
    no_invite = store.handle.client.post("/sandbox/store/sharers", json={"user": "xiaoming"})
    assert no_invite.status_code == 409 and no_invite.json()["error"] == "no_invitation"
    lihua = store.control("POST", "sharers", json={"user": "lihua"})
    assert store.errcode("sharer/bind", {"username": "lihua"}) == 10070001
    staff = store.control("POST", "sharers", json={"user": "xiaoming", "sharer_type": 1})
    assert store.errcode("sharer/bind", {"username": "xiaoming"}) == 10070005
    found = store.ok("sharer/search_sharer", {"openid": lihua["openid"]})
    assert found["nickname"] == "李华" and found["sharer_type"] == 0
    assert store.errcode("sharer/search_sharer", {"openid": "o-nobody"}) == 10070004
    normal = store.ok("sharer/get_sharer_list", {"page": 1, "page_size": 10, "sharer_type": 0})
    assert [s["openid"] for s in normal["sharer_info_list"]] == [lihua["openid"]]
    assert store.errcode("sharer/get_sharer_list", {"page": 1, "page_size": 101, "sharer_type": 0}) == 40097
    gone = store.ok("sharer/unbind", {"openid_list": [lihua["openid"], staff["openid"], "o-nobody"]})
    assert (gone["success_openid"], gone["refuse_openid"], gone["fail_openid"]) == (
        [lihua["openid"]], [staff["openid"]], ["o-nobody"])  # fmt: skip
    assert store.errcode("sharer/search_sharer", {"openid": lihua["openid"]}) == 10070004
    changes = [e["message"] for e in store.events(event="channels_ec_sharer_change")]
    assert [(c["openid"], c["bind_status"]) for c in changes] == [
        (lihua["openid"], 1), (staff["openid"], 1), (lihua["openid"], 2)]  # fmt: skip


def test_personal_invitations_are_limited(quiet_store):
    store, limit = quiet_store, 10
    users = [
        store.handle.control("POST", "users", json={"nickname": f"分享员{i}"})["id"] for i in range(limit + 1)
    ]
    for user in users[:limit]:
        store.ok("sharer/bind", {"username": user})
    assert store.errcode("sharer/bind", {"username": users[limit]}) == 10070002


def test_alliance_promoters_items_and_a_promoter_order_with_its_commission(quiet_store):
    store = quiet_store
    product_id = store.add_product()
    sku = store.sku_ids(product_id)[0]
    creator = "sphCreator0001"
    assert store.errcode("league/promoter/add", {"finder_id": "bad"}) == 10023001
    store.ok("league/promoter/add", {"finder_id": creator})
    assert store.ok("league/promoter/get", {"finder_id": creator})["promoter"]["status"] == 1
    assert store.errcode("league/promoter/add", {"finder_id": creator}) == 10023004
    no_deal = buy(store, product_id=product_id, sku_id=sku, promoter=creator)
    assert no_deal.status_code == 409 and no_deal.json()["error"] == "promoter_not_cooperating"
    store.control("POST", f"promoters/{creator}/accept", json={"nickname": "装机达人老王"})
    assert store.errcode("league/promoter/add", {"finder_id": creator}) == 10023006
    listed = store.ok("league/promoter/list/get", {"status": 2, "page_index": 1, "page_size": 10})
    assert listed["finder_ids"] == [creator] and listed["total_num"] == 1

    outside = buy(store, product_id=product_id, sku_id=sku, promoter=creator)
    assert outside.status_code == 409 and outside.json()["error"] == "not_in_alliance"
    added = store.ok("league/item/batchadd", {"type": 2, "list": [{"product_id": product_id, "ratio": 20}],
                                              "finder_ids": [creator], "is_forerver": True})["result_info_list"]  # fmt: skip
    assert added[0]["errcode"] == 10023106  # a targeted plan needs an open one first
    added = store.ok("league/item/batchadd", {"type": 1, "list": [{"product_id": product_id, "ratio": 10},
                                                                  {"product_id": "424242", "ratio": 10},
                                                                  {"product_id": product_id, "ratio": 12},
                                                                  {"product_id": product_id, "ratio": 95}],
                                              "is_forerver": True})["result_info_list"]  # fmt: skip
    assert [a["errcode"] for a in added] == [0, 10023103, 10023101, 10023000]
    targeted = store.ok("league/item/batchadd", {"type": 2, "list": [{"product_id": product_id, "ratio": 15}],
                                                 "finder_ids": [creator], "is_forerver": True})  # fmt: skip
    info_id = targeted["result_info_list"][0]["info_id"]
    item = store.ok("league/item/get", {"type": 2, "info_id": info_id})["item"]
    assert (item["status"], item["ratio"], item["exclusive_info"]["finder_ids"]) == (1, 15, [creator])
    exclusive = store.ok("league/item/batchadd", {"type": 3, "list": [{"product_id": product_id, "ratio": 30}],
                                                  "finder_ids": [creator], "is_forerver": True})  # fmt: skip
    assert exclusive["result_info_list"][0]["errcode"] == 10023105

    made = buy(store, product_id=product_id, sku_id=sku, promoter=creator)
    assert made.status_code == 201, made.text
    detail = made.json()["order"]["order_detail"]
    assert (
        detail["source_infos"][0]["sale_channel"] == 100
        and detail["source_infos"][0]["account_id"] == creator
    )
    commission = detail["commission_infos"][0]
    assert (commission["amount"], commission["status"], commission["type"]) == (399900 * 15 // 100, 1, 0)
    store.control("POST", f"orders/{made.json()['order']['order_id']}/pay")
    got = store.ok("league/promoter/get", {"promoter_id": creator})["promoter"]
    assert (got["sale_product_number"], got["sale_gmv"]) == (1, 399900)

    store.ok("league/item/upd", {"operate_type": 2, "type": 2, "info_id": info_id,
                                 "exclusive_info": {"del_finder_ids": [creator]}})  # fmt: skip
    again = buy(store, product_id=product_id, sku_id=sku, promoter=creator).json()["order"]
    assert again["order_detail"]["commission_infos"][0]["amount"] == 399900 * 10 // 100  # the open plan now
    store.ok("league/promoter/upd", {"finder_id": creator, "type": 2})
    assert store.errcode("league/promoter/upd", {"finder_id": creator, "type": 2}) == 10023005
    ended = buy(store, product_id=product_id, sku_id=sku, promoter=creator)
    assert ended.json()["error"] == "promoter_not_cooperating"


def test_the_channels_account_reads_its_own_lives_and_notices(wxsandbox_factory, wxsandbox_base_config):
    account = AppConfig(appid="wx5b1f0a7c3e9d0d04", kind=CHANNELS, name="装机老王")
    sb = wxsandbox_factory(apps=(*wxsandbox_base_config.apps, account))
    store = StoreClient(sb)
    account = sb.config.app(account.appid)
    finder_id = shop.official_finder_id(account)
    assert finder_id in [f["finder_id"] for f in store.control("GET", "finders")["finders"]]  # bound at start
    token = sb.access_token(account)

    def call(path, body=None):
        return sb.client.post(f"{path}?access_token={token}", json=body or {}).json()

    first = sb.control("POST", "channels/lives", json={"title": "周末装机直播", "finder_id": finder_id})
    second = sb.control("POST", "channels/lives", json={"title": "显卡专场", "finder_id": finder_id})
    sb.control("POST", "channels/lives", json={"title": "店铺号的直播"})  # another account's: not listed
    sb.control("POST", f"channels/lives/{first['export_id']}/start")
    sb.control("POST", f"channels/lives/{first['export_id']}/watch", json={"user": "xiaoming"})
    sb.control("POST", f"channels/lives/{second['export_id']}/reserve", json={"user": "lihua"})
    sb.control("POST", f"channels/lives/{second['export_id']}/cancel")

    records = call("/channels/ec/finderlive/getfinderliverecordlist")
    assert records["errcode"] == 0
    assert [(r["export_id"], r["description"], r["nickname"]) for r in records["live_list"]] == [
        (first["export_id"], "周末装机直播", "装机老王")]  # fmt: skip
    notices = call("/channels/ec/finderlive/getfinderlivenoticerecordlist")["live_notice_list"]
    assert {(n["notice_id"], n["status"], n["status_wording"]) for n in notices} == {
        (first["notice_id"], 2, "已用"), (second["notice_id"], 1, "取消")}  # fmt: skip
    attr = call("/channels/finderlive/get_finder_attr_by_appid")["finder_attr"]
    assert attr == {"uniq_id": finder_id, "nickname": "装机老王", "fans_count": 2}
    shop_token = store.token
    refused = sb.client.post(
        f"/channels/ec/finderlive/getfinderliverecordlist?access_token={shop_token}", content=b"{}"
    )
    assert refused.json()["errcode"] == 48001
    assert store.call("/channels/ec/sharer/get_sharer_list", {"page": 1, "sharer_type": 0}, access_token=token)[
        "errcode"
    ] == 48001  # fmt: skip
    product_id = store.add_product()
    window = "/channels/ec/window/product/"
    assert call(window + "add", {"appid": store.app.appid, "product_id": product_id})["errcode"] == 0
    assert (
        call(window + "add", {"appid": "wx0000000000000000", "product_id": product_id})["errcode"] == 10022008
    )
    assert call(window + "add", {"appid": store.app.appid, "product_id": "424242"})["errcode"] == 10022003
    got = call(window + "get", {"appid": store.app.appid, "product_id": product_id})["product"]
    assert (got["status"], got["selling_price"], got["market_price"], got["stock"]) == (1, 399900, 529900, 25)
    listed = call(window + "list/get", {"page_size": 10, "page_index": 1, "need_total_num": True})
    assert (
        listed["products"] == [{"appid": store.app.appid, "product_id": product_id}]
        and listed["total_num"] == 1
    )
    assert call(window + "off", {"appid": store.app.appid, "product_id": product_id})["errcode"] == 0
    store.ok("product/delisting", {"product_id": product_id})
    assert (
        call(window + "get", {"appid": store.app.appid, "product_id": product_id})["product"]["status"] == 2
    )
    assert store.errcode(window + "list/get", {"page_size": 10, "page_index": 1}) == 48001


def test_concurrent_claims_of_one_popup_by_one_viewer_take_one_coupon(quiet_store):
    store = quiet_store
    export_id = live(store)["export_id"]
    ok(store, export_id, "shelf", add=[store.add_product()])
    ok(store, export_id, "start")
    popup = ok(store, export_id, "popups", coupon_id=coupon(store, limit_num_one_person=5))
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: act(store, export_id, f"popups/{popup['popup_id']}/claim", user="lihua"),
                                range(8)))  # fmt: skip
    assert sorted(a.status_code for a in answers) == [200] + [409] * 7
    mine = store.ok("coupon/get_user_coupon_list", {"openid": store.handle.openid("lihua", store.app.appid),
                                                    "page": 1, "page_size": 10})  # fmt: skip
    assert mine["total_num"] == 1
