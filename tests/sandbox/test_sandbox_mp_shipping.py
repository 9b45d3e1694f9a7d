"""Mini Program shipping information (wechat-kf-security-shipping.md §4) against WeChat Pay orders paid in
the Mini Program: upload rules and error codes, the order states, queries, confirm-receipt reminders."""

import pytest
from pay_client import PayClient

from wxsandbox.config import MINI_PROGRAM


class Shipping:
    def __init__(self, handle):
        self.handle = handle
        self.mp = handle.app_of_kind(MINI_PROGRAM)
        self.token = handle.access_token(self.mp)
        self.pay = PayClient(handle)
        self.openid = handle.openid("xiaoming", self.mp.appid)

    def call(self, name, body):
        response = self.handle.client.post(
            f"/wxa/sec/order/{name}", params={"access_token": self.token}, json=body
        )
        return response.json()

    def paid_order(self, out_trade_no, wait=True):
        body = self.pay.order_body(out_trade_no, 12900, appid=self.mp.appid, payer={"openid": self.openid})
        answer = self.pay.request("POST", "/v3/pay/transactions/jsapi", body)
        assert answer.status_code == 200, answer.text
        self.handle.control("POST", "pay/confirm", json={"out_trade_no": out_trade_no, "mchid": self.pay.merchant.mchid,
                                                        "user_id": "xiaoming"})  # fmt: skip
        if wait:
            self.handle.advance_clock(61)
        return self.call("get_order", {"merchant_id": self.pay.merchant.mchid, "merchant_trade_no": out_trade_no})[
            "order"]  # fmt: skip

    def upload(self, transaction_id, **overrides):
        body = {
            "order_key": {"order_number_type": 2, "transaction_id": transaction_id},
            "delivery_mode": 1,
            "logistics_type": 1,
            "shipping_list": [{"tracking_no": "SF1234567890", "express_company": "SF", "item_desc": "轻薄笔记本*1",
                               "contact": {"receiver_contact": "+86-138****8001"}}],
            "upload_time": "2026-12-01T10:00:00.000+08:00",
            "payer": {"openid": self.openid},
        }  # fmt: skip
        body.update(overrides)
        return self.call("upload_shipping_info", body)


@pytest.fixture
def shipping(wxsandbox):
    return Shipping(wxsandbox)


def test_unified_upload_ships_the_order_and_get_order_shows_it(shipping):
    order = shipping.paid_order("MPSHIP0001")
    assert order["order_state"] == 1 and order["shipping"] == {} and order["paid_amount"] == 12900
    assert order["openid"] == shipping.openid and order["merchant_id"] == shipping.pay.merchant.mchid
    assert shipping.upload(order["transaction_id"])["errcode"] == 0
    got = shipping.call("get_order", {"transaction_id": order["transaction_id"]})["order"]
    assert got["order_state"] == 2
    assert got["shipping"]["finish_shipping"] is True and got["shipping"]["finish_shipping_count"] == 1
    item = got["shipping"]["shipping_list"][0]
    assert (item["tracking_no"], item["express_company"], item["goods_desc"]) == (
        "SF1234567890",
        "SF",
        "轻薄笔记本*1",
    )
    assert item["upload_time"] == 1796090400
    assert shipping.call("is_trade_managed", {"appid": shipping.mp.appid})["is_trade_managed"] is True


def test_too_soon_after_payment_foreign_openid_unknown_order(shipping):
    order = shipping.paid_order("MPSHIP0002", wait=False)
    assert shipping.upload(order["transaction_id"])["errcode"] == 10060001  # < 1 min after payment
    shipping.handle.advance_clock(61)
    other = shipping.handle.openid("lihua", shipping.mp.appid)
    assert shipping.upload(order["transaction_id"], payer={"openid": other})["errcode"] == 10060031
    assert shipping.upload("4200000000000000000000000000")["errcode"] == 10060001
    key = {"order_number_type": 1, "mchid": shipping.pay.merchant.mchid, "out_trade_no": "MPSHIP0002"}
    assert shipping.upload("", order_key=key)["errcode"] == 0


def test_split_shipping_then_the_single_reship_chance(shipping):
    order = shipping.paid_order("MPSHIP0003")
    tid = order["transaction_id"]
    first = [{"tracking_no": "YT001", "express_company": "YTO", "item_desc": "主机*1"}]
    assert shipping.upload(tid, delivery_mode=2, shipping_list=first)["errcode"] == 10060007
    assert shipping.upload(tid, delivery_mode=2, is_all_delivered=False, shipping_list=first)["errcode"] == 0
    assert shipping.call("get_order", {"transaction_id": tid})["order"]["order_state"] == 1
    second = [{"tracking_no": "YT002", "express_company": "YTO", "item_desc": "显示器*1"}]
    assert shipping.upload(tid, delivery_mode=2, is_all_delivered=True, shipping_list=second,
                           upload_time="2026-12-01T11:00:00+08:00")["errcode"] == 0  # fmt: skip
    got = shipping.call("get_order", {"transaction_id": tid})["order"]
    assert got["order_state"] == 2 and [i["tracking_no"] for i in got["shipping"]["shipping_list"]] == [
        "YT001",
        "YT002",
    ]
    assert shipping.upload(tid, upload_time="2026-12-01T11:00:00+08:00")["errcode"] == 10060014  # not newer
    assert shipping.upload(tid, upload_time="2026-12-01T12:00:00+08:00")["errcode"] == 0  # the re-ship
    assert (
        shipping.call("get_order", {"transaction_id": tid})["order"]["shipping"]["finish_shipping_count"] == 2
    )
    assert shipping.upload(tid, upload_time="2026-12-01T13:00:00+08:00")["errcode"] == 10060003


def test_confirm_receipt_reminder_once_then_buyer_confirms_and_settlement(shipping):
    order = shipping.paid_order("MPSHIP0004")
    tid = order["transaction_id"]
    assert (
        shipping.call("notify_confirm_receive", {"transaction_id": tid, "received_time": 1})["errcode"]
        == 10060028
    )
    shipping.upload(tid)
    assert (
        shipping.call("notify_confirm_receive", {"transaction_id": tid, "received_time": 0})["errcode"]
        == 10060029
    )
    assert (
        shipping.call("notify_confirm_receive", {"transaction_id": tid, "received_time": 1796090400})[
            "errcode"
        ]
        == 0
    )
    assert shipping.call("notify_confirm_receive", {"transaction_id": tid,
                                                    "received_time": 1796090400})["errcode"] == 10060030  # fmt: skip
    shipping.handle.control("POST", "mp/shipping/confirm", json={"transaction_id": tid})
    assert shipping.call("get_order", {"transaction_id": tid})["order"]["order_state"] == 3
    assert shipping.upload(tid, upload_time="2026-12-02T10:00:00+08:00")["errcode"] == 10060002
    shipping.handle.control("POST", "mp/shipping/settle", json={"transaction_id": tid})
    assert shipping.call("get_order", {"transaction_id": tid})["order"]["order_state"] == 4


def test_auto_confirmation_after_the_configured_delay_and_complaints_block(shipping):
    shipped = shipping.paid_order("MPSHIP0005")
    tid = shipped["transaction_id"]
    shipping.upload(tid)
    shipping.handle.control("POST", "mp/shipping/complaint", json={"transaction_id": tid})
    assert shipping.upload(tid, upload_time="2026-12-01T12:00:00+08:00")["errcode"] == 10060004
    assert shipping.call("get_order", {"transaction_id": tid})["order"]["in_complaint"] is True
    never = shipping.handle.client.post("/sandbox/mp/shipping/complaint", json={"transaction_id": "42000"})
    assert never.status_code == 409  # nothing uploaded for it
    shipping.handle.advance_clock(10 * 86400 + 1)
    shipping.token = shipping.handle.access_token(shipping.mp)  # ten days later the old token has expired
    assert shipping.call("get_order", {"transaction_id": tid})["order"]["order_state"] == 3


def test_list_pages_with_last_index_and_filters_by_state(shipping):
    orders = [shipping.paid_order(f"MPLIST000{i}", wait=False) for i in range(3)]
    shipping.handle.advance_clock(61)
    shipping.upload(orders[1]["transaction_id"])
    page = shipping.call("get_order_list", {"page_size": 2})
    assert [o["transaction_id"] for o in page["order_list"]] == [o["transaction_id"] for o in orders[:2]]
    assert page["has_more"] is True
    rest = shipping.call("get_order_list", {"page_size": 2, "last_index": page["last_index"]})
    assert [o["transaction_id"] for o in rest["order_list"]] == [orders[2]["transaction_id"]] and not rest[
        "has_more"
    ]
    shipped = shipping.call("get_order_list", {"order_state": 2})["order_list"]
    assert [o["transaction_id"] for o in shipped] == [orders[1]["transaction_id"]]
    assert shipping.call("get_order_list", {"last_index": "not-hex!"})["errcode"] == 10060011


@pytest.mark.parametrize(
    ("change", "errcode"),
    [
        ({"order_key": {"order_number_type": 3}}, 268485194),
        ({"order_key": {"order_number_type": 2}}, 268485195),
        ({"order_key": {"order_number_type": 1, "out_trade_no": "x"}}, 268485196),
        ({"logistics_type": 9}, 10060005),
        ({"delivery_mode": 3}, 268485224),
        ({"delivery_mode": 2, "logistics_type": 3, "is_all_delivered": True}, 10060006),
        ({"shipping_list": {"item_desc": "x"}}, 47001),
        ({"shipping_list": [{"item_desc": "a", "tracking_no": "1", "express_company": "YD"}] * 2}, 268485228),
        ({"shipping_list": [{"item_desc": "a", "tracking_no": "1", "express_company": "YD"}] * 16,
          "delivery_mode": 2, "is_all_delivered": True}, 10060024),
        ({"shipping_list": [{"item_desc": "", "tracking_no": "1", "express_company": "YD"}]}, 10060008),
        ({"shipping_list": [{"item_desc": "长" * 121, "tracking_no": "1", "express_company": "YD"}]}, 10060009),
        ({"shipping_list": [{"item_desc": "a", "express_company": "YD"}]}, 268485226),
        ({"shipping_list": [{"item_desc": "a", "tracking_no": "1"}]}, 268485227),
        ({"shipping_list": [{"item_desc": "a", "tracking_no": "1" * 129, "express_company": "YD"}]}, 10060026),
        ({"shipping_list": [{"item_desc": "a", "tracking_no": "1", "express_company": "SF"}]}, 10060014),
        ({"upload_time": "2026-12-01 10:00:00"}, 268485216),
        ({"upload_time": "2026-12-01T10:00:00"}, 268485216),
    ],
)  # fmt: skip
def test_upload_validation(shipping, change, errcode):
    order = shipping.paid_order(f"MPV{abs(hash(str(change))) % 10**9:09d}")
    assert shipping.upload(order["transaction_id"], **change)["errcode"] == errcode
    assert shipping.call("get_order", {"transaction_id": order["transaction_id"]})["order"]["shipping"] == {}


def test_virtual_goods_need_no_tracking_and_other_kinds_of_token_are_refused(shipping):
    order = shipping.paid_order("MPSHIP0007")
    virtual = shipping.upload(
        order["transaction_id"], logistics_type=3, shipping_list=[{"item_desc": "显卡延保服务 1 年"}]
    )
    assert virtual["errcode"] == 0
    oa_token = shipping.handle.access_token(shipping.handle.app_of_kind("official_account"))
    answer = shipping.handle.client.post("/wxa/sec/order/get_order", params={"access_token": oa_token},
                                         json={"transaction_id": order["transaction_id"]})  # fmt: skip
    assert answer.json()["errcode"] == 48001


def test_settlement_events_reach_the_mini_programs_server_on_shipping_and_settlement(
    wxsandbox_factory, wxsandbox_base_config, http_receiver
):
    import dataclasses
    import json

    from wechatpy.crypto import WeChatCrypto

    apps = tuple(
        dataclasses.replace(a, server_url=http_receiver.url) if a.kind == MINI_PROGRAM else a
        for a in wxsandbox_base_config.apps
    )
    shipping = Shipping(wxsandbox_factory(apps=apps))
    order = shipping.paid_order("MPSHIP0008")
    shipping.upload(order["transaction_id"])
    shipping.handle.control("POST", "mp/shipping/confirm", json={"transaction_id": order["transaction_id"]})
    shipping.handle.control("POST", "mp/shipping/settle", json={"transaction_id": order["transaction_id"]})
    requests = http_receiver.wait_for(2)
    crypto = WeChatCrypto(shipping.mp.token, shipping.mp.encoding_aes_key, shipping.mp.appid)
    events = []
    for request in requests:
        q = request.query
        events.append(json.loads(crypto.decrypt_message(json.loads(request.body), q["msg_signature"],
                                                        q["timestamp"], q["nonce"])))  # fmt: skip
    events.sort(key=lambda e: "settlement_time" in e)
    shipped, settled = events
    assert shipped["Event"] == settled["Event"] == "trade_manage_order_settlement"
    assert shipped["transaction_id"] == order["transaction_id"] and shipped["estimated_settlement_time"] > 0
    assert settled["confirm_receive_method"] == 2 and settled["settlement_time"] >= shipped["shipped_time"]
    assert shipped["FromUserName"] == shipping.openid
