"""Hand-off to 微信客服 end to end against the live sandbox: the OA user gets a kf link by custom/send, opens
it, WeCom's encrypted callback reaches the live hub, the hub pulls sync_msg, binds the customer, moves the
session to a servicer (service_state/trans), and shows the customer's and the servicer's messages and the
session state in the console."""

import re

import pytest

from wxmall.core.relay import relay
from wxmall.support import actions, demo, wecom_actions
from wxmall.support.models import Conversation, ConversationState, Handoff, Message, WecomCallback
from wxmall.wechat.msgcrypt import MsgCrypt

pytestmark = pytest.mark.django_db(transaction=True)
from support.conftest import AES_KEY, CALLBACK_TOKEN  # noqa: E402


def delivered(sb, answer):
    for delivery_id in answer["delivery_ids"]:
        assert sb.wait_delivery(delivery_id)["status"] == "delivered"


def pull_after(sb, answer):
    delivered(sb, answer)
    token = WecomCallback.objects.order_by("-id").values_list("event_token", flat=True).first()
    return wecom_actions.pull(token)


def test_hand_off_to_wecom_and_back(wecom_hub, agent, client):
    sb = wecom_hub
    conversation = Conversation.objects.get()
    wecom_actions.hand_to_wecom(conversation.pk, agent)
    assert relay().delivered == 1
    chat = sb.control("GET", "mp/oa/conversation", params={"user": "xiaoming"})["messages"]
    link = re.search(r"https://work\.weixin\.qq\.com/kf/\S+", chat[-1]["body"]["content"]).group(0)
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.WECOM and "scene_param=" in link

    entered = sb.control("POST", "kf/customer/enter", json={"user": "xiaoming", "url": link})
    assert pull_after(sb, entered) == 1
    conversation.refresh_from_db()
    assert conversation.wecom_external_userid == entered["external_userid"]
    assert conversation.wecom_service_state == 3 and conversation.wecom_servicer == "zhangsan"
    state = sb.control("GET", "kf/chat", params={"user": "xiaoming", "open_kfid": sb.kfid})
    assert state["service_state"] == 3 and state["servicer"] == "zhangsan"

    wrote = sb.control(
        "POST",
        "kf/customer/message",
        json={"user": "xiaoming", "open_kfid": sb.kfid, "content": "订单要加急"},
    )
    pull_after(sb, wrote)
    replied = sb.control(
        "POST",
        "kf/servicer/reply",
        json={
            "servicer": "zhangsan",
            "open_kfid": sb.kfid,
            "user": "xiaoming",
            "content": "好的，已为您加急",
        },
    )
    pull_after(sb, replied)
    texts = list(Message.objects.filter(conversation=conversation).values_list("source", "text"))
    assert ("wecom_customer", "订单要加急") in texts and (
        "wecom_agent",
        "zhangsan：好的，已为您加急",
    ) in texts
    assert Handoff.objects.get().first_response_at is not None
    assert wecom_actions.pull() == 0  # nothing new: the cursor moved on, nothing applied twice

    client.force_login(agent)
    page = client.get(f"/console/support/{conversation.pk}/").content.decode()
    assert (
        "已转企业微信客服" in page
        and "人工接待中（接待人员 zhangsan）" in page
        and "好的，已为您加急" in page
    )
    with pytest.raises(Exception):  # noqa: B017 - agents answer in WeCom now, not by custom/send
        actions.reply(conversation.pk, agent, "我也来说一句")

    ended = sb.control(
        "POST", "kf/servicer/end", json={"servicer": "zhangsan", "open_kfid": sb.kfid, "user": "xiaoming"}
    )
    pull_after(sb, ended)
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.CLOSED and conversation.wecom_service_state == 4


def test_callback_verification_and_forgeries(wecom_hub, client):
    sb = wecom_hub
    crypt = MsgCrypt(CALLBACK_TOKEN, AES_KEY, sb.control("GET", "kf/corp")["corpid"])
    echo = crypt.encrypt("5927782489442352469")
    signature = crypt.sign("1411443780", "437374425", echo)
    ok = client.get(
        "/wechat/wecom/callback/",
        {"msg_signature": signature, "timestamp": "1411443780", "nonce": "437374425", "echostr": echo},
    )
    assert ok.status_code == 200 and ok.content == b"5927782489442352469"
    bad = client.get(
        "/wechat/wecom/callback/",
        {"msg_signature": "0" * 40, "timestamp": "1411443780", "nonce": "437374425", "echostr": echo},
    )
    assert bad.status_code == 403 and echo not in bad.content.decode()
    # A forged POST (wrong key) and an XXE body are refused; nothing is stored.
    other = MsgCrypt(CALLBACK_TOKEN, "B" * 43, crypt.appid)
    import time

    ts = str(int(time.time()))
    encrypted = other.encrypt("<xml><ToUserName>x</ToUserName><Event>kf_msg_or_event</Event></xml>")
    body = f"<xml><ToUserName>x</ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    forged = client.post(
        f"/wechat/wecom/callback/?msg_signature={other.sign(ts, 'n1', encrypted)}&timestamp={ts}&nonce=n1",
        body,
        content_type="text/xml",
    )
    assert forged.status_code == 403
    xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>'
    refused = client.post(
        f"/wechat/wecom/callback/?msg_signature=x&timestamp={ts}&nonce=n1", xxe, content_type="text/xml"
    )
    assert refused.status_code == 400
    stale = client.post(
        "/wechat/wecom/callback/?msg_signature=x&timestamp=1&nonce=n1", body, content_type="text/xml"
    )
    assert stale.status_code == 403
    assert WecomCallback.objects.count() == 0


def test_a_resent_callback_is_stored_once(wecom_hub, agent):
    sb = wecom_hub
    wecom_actions.hand_to_wecom(Conversation.objects.get().pk, agent)
    relay()
    chat = sb.control("GET", "mp/oa/conversation", params={"user": "xiaoming"})["messages"]
    link = re.search(r"https://work\.weixin\.qq\.com/kf/\S+", chat[-1]["body"]["content"]).group(0)
    sb.add_fault(target="callback:kf.callback", duplicate=True, times=1)
    entered = sb.control("POST", "kf/customer/enter", json={"user": "xiaoming", "url": link})
    assert len(entered["delivery_ids"]) == 2
    delivered(sb, entered)
    assert WecomCallback.objects.count() == 1


def test_not_configured_is_a_clear_refusal(oa_hub, agent, settings):
    from wxmall.core.errors import DomainError
    from wxmall.support.errors import SupportError

    settings.WECOM_CORP_ID = ""
    demo.load()
    sb = oa_hub("safe")
    sb.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "转人工"})
    with pytest.raises(DomainError) as refused:
        wecom_actions.hand_to_wecom(Conversation.objects.get().pk, agent)
    assert refused.value.error is SupportError.WECOM_NOT_CONFIGURED
