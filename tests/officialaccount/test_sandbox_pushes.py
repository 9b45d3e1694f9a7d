"""wxsandbox (WeChat, on the real wire protocol) pushing to a live hub: follow, message, click, scan."""

import pytest

from wxmall.officialaccount import actions, hooks
from wxmall.officialaccount.models import Follower, FollowerEvent, InboundMessage, ReplyRule

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_url_verification_from_wechat(oa_hub, mode):
    sb = oa_hub(mode)
    assert sb.control("POST", "mp/oa/verify-url", json={})["ok"] is True


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_follow_message_click_scan_unfollow(oa_hub, mode, monkeypatch):
    monkeypatch.setattr(
        hooks, "registry", hooks.registry.extended(lambda inbound: f"客服机器人：{inbound.text}")
    )
    ReplyRule.objects.create(name="欢迎", trigger="subscribe", text="欢迎关注电脑城！")
    ReplyRule.objects.create(name="发票", match="exact", pattern="发票", text="开票请在订单页申请")
    sb = oa_hub(mode)

    followed = sb.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    assert followed["reply"]["content"] == "欢迎关注电脑城！"
    keyword = sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "发票"})
    assert keyword["reply"]["content"] == "开票请在订单页申请"
    bot = sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "显卡兼容吗"})
    assert bot["reply"]["content"] == "客服机器人：显卡兼容吗"

    from wxmall.wechat import client

    qr = client("oa").qrcode.create_temporary("store-xuhui")
    scanned = sb.control("POST", "mp/oa/scan", json={"user": "xiaoming", "ticket": qr["ticket"]})
    assert scanned["event"] == "SCAN" and scanned["delivered"]
    gone = sb.control("POST", "mp/oa/unfollow", json={"user": "xiaoming"})
    assert gone["delivered"]

    assert actions.process_pending() == 5
    openid = sb.openid("xiaoming", sb.app_of_kind("official_account").appid)
    follower = Follower.objects.get(openid=openid)
    assert not follower.subscribed and follower.first_subscribed_at and follower.first_scene == "store-xuhui"
    kinds = set(FollowerEvent.objects.filter(follower=follower).values_list("kind", flat=True))
    assert kinds == {"subscribed", "joined", "scanned", "unsubscribed"}
    assert InboundMessage.objects.filter(mode=mode).count() == 5
    assert actions.process_pending() == 0  # processed once


def test_a_duplicated_push_is_stored_and_processed_once(oa_hub):
    sb = oa_hub("safe")
    sb.control("POST", "mp/oa/follow", json={"user": "lihua"})
    sb.add_fault(target="callback:mp.oa_push", duplicate=True, times=1)
    result = sb.control("POST", "mp/oa/message", json={"user": "lihua", "content": "在吗"})
    assert len(result["delivery_ids"]) == 2
    for delivery_id in result["delivery_ids"]:
        assert sb.wait_delivery(delivery_id)["status"] == "delivered"
    assert InboundMessage.objects.filter(msg_type="text").count() == 1
    assert actions.process_pending() == 2 and actions.process_pending() == 0


def test_a_store_qr_follow_tags_attributes_and_joins_membership(oa_hub):
    from django.test import Client

    from wxmall.accounts.models import Member, WeChatIdentity
    from wxmall.accounts.testing import make_customer
    from wxmall.officialaccount.models import Attribution, SceneCode

    sb = oa_hub("safe")
    staff = Client()
    staff.force_login(make_customer("oa-boss", is_staff=True, is_superuser=True))
    form = {"scene": "store-xuhui", "name": "徐汇门店", "kind": "store", "tag": "徐汇门店"}
    assert staff.post("/console/oa/codes/", form).status_code == 302
    code = SceneCode.objects.get()
    assert code.ticket and code.tag.name == "徐汇门店"
    assert sb.control("POST", "mp/qrcode/resolve", json={"ticket": code.ticket})["scene"] == "store-xuhui"

    followed = sb.control("POST", "mp/oa/scan", json={"user": "xiaoming", "ticket": code.ticket})
    assert followed["event"] == "subscribe"
    sb.control(
        "POST", "mp/oa/scan", json={"user": "xiaoming", "ticket": code.ticket}
    )  # SCAN, already following
    assert actions.process_pending() == 2

    appid = sb.app_of_kind("official_account").appid
    follower = Follower.objects.get(openid=sb.openid("xiaoming", appid))
    assert follower.first_scene == "store-xuhui" and [t.name for t in follower.tags.all()] == ["徐汇门店"]
    assert [(a.code_id, a.subscribed) for a in Attribution.objects.order_by("id")] == [
        (code.pk, True),
        (code.pk, False),
    ]
    identity = WeChatIdentity.objects.get(appid=appid, openid=follower.openid)
    assert follower.customer == identity.user
    assert Member.objects.get(user=identity.user).source == Member.Source.FOLLOW
    page = staff.get("/console/oa/").content.decode()
    assert "徐汇门店" in page


def test_tags_sync_both_ways_with_wechat(oa_hub):
    from wxmall.officialaccount import tags
    from wxmall.officialaccount.models import FollowerTag
    from wxmall.wechat import client

    sb = oa_hub("safe")
    appid = sb.app_of_kind("official_account").appid
    for user in ("xiaoming", "lihua"):
        sb.control("POST", "mp/oa/follow", json={"user": user})
    actions.process_pending()
    me, you = (Follower.objects.get(openid=sb.openid(u, appid)) for u in ("xiaoming", "lihua"))
    local = FollowerTag.objects.create(name="徐汇门店")
    tags.tag_followers(local, [me])
    wx = client("oa")
    remote_id = wx.tags.create("老客户")  # made by staff on mp.weixin.qq.com
    wx.tags.tag(remote_id, [you.openid])

    result = tags.sync(appid)
    assert (result.created_on_wechat, result.created_here, result.pushed, result.pulled) == (1, 1, 1, 1)
    local.refresh_from_db()
    assert wx.tags.ids_of(me.openid) == [local.wechat_id]
    assert [t.name for t in you.tags.all()] == ["老客户"]
    again = tags.sync(appid)
    assert (again.created_on_wechat, again.created_here, again.pushed, again.pulled) == (0, 0, 0, 0)

    # Staff take a tag off here (the admin's tag field): the next sync takes it off on WeChat too, and does
    # not bring it back from WeChat's side of the union.
    from django.test import Client

    from wxmall.accounts.testing import make_customer
    from wxmall.officialaccount.models import FollowerEvent, FollowerTagRemoval

    staff = Client()
    staff.force_login(make_customer("tags-boss", is_staff=True, is_superuser=True))
    old = FollowerTag.objects.get(name="老客户")
    inline = {"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}  # the read-only events inline
    assert staff.post(f"/admin/officialaccount/follower/{you.pk}/change/", inline).status_code == 302
    assert list(you.tags.all()) == [] and FollowerTagRemoval.objects.count() == 1
    assert FollowerEvent.objects.filter(follower=you, kind="untagged", detail="老客户").exists()
    third = tags.sync(appid)
    assert (third.removed_there, third.pulled) == (1, 0)
    assert wx.tags.ids_of(you.openid) == [] and list(you.tags.all()) == []
    assert FollowerTagRemoval.objects.count() == 0
    # Tagged again before a sync: nothing is taken off.
    tags.untag_followers(old, [me])  # me never had it: nothing recorded
    assert FollowerTagRemoval.objects.count() == 0
    tags.tag_followers(local, [you])
    tags.untag_followers(local, [you])
    tags.tag_followers(local, [you])
    assert FollowerTagRemoval.objects.count() == 0
