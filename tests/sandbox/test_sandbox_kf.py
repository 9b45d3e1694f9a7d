"""wxsandbox's 微信客服 (WeCom kf) surface against the reference §1, with wechatpy's WeCom crypto as an
independent peer for the callback."""

from urllib.parse import parse_qs, urlsplit

import pytest
from wechatpy.enterprise.crypto import WeChatCrypto

from helpers.http import HttpReceiver


@pytest.fixture
def kf(sb):
    corp = sb.control("GET", "kf/corp")
    token = sb.client.get(
        "/cgi-bin/gettoken", params={"corpid": corp["corpid"], "corpsecret": corp["secret"]}
    ).json()
    corp["token"] = token["access_token"]
    corp["kfid"] = corp["accounts"][0]["open_kfid"]
    return corp


def call(sb, kf, path, body):
    return sb.client.post(f"/cgi-bin/kf/{path}", params={"access_token": kf["token"]}, json=body).json()


def link(sb, kf, scene="hub"):
    return call(sb, kf, "add_contact_way", {"open_kfid": kf["kfid"], "scene": scene})["url"]


def test_gettoken_errors_and_reuse(sb):
    corp = sb.control("GET", "kf/corp")
    get = lambda **p: sb.client.get("/cgi-bin/gettoken", params=p).json()  # noqa: E731
    assert get(corpsecret="x")["errcode"] == 41002
    assert get(corpid=corp["corpid"])["errcode"] == 41004
    assert get(corpid="wwnope", corpsecret=corp["secret"])["errcode"] == 40013
    assert get(corpid=corp["corpid"], corpsecret="bad")["errcode"] == 40001
    first = get(corpid=corp["corpid"], corpsecret=corp["secret"])
    assert first["errcode"] == 0 and first["expires_in"] == 7200 and first["errmsg"] == "ok"
    assert get(corpid=corp["corpid"], corpsecret=corp["secret"])["access_token"] == first["access_token"]
    assert sb.client.post("/cgi-bin/kf/account/list", json={}).json()["errcode"] == 41001
    assert (
        sb.client.post("/cgi-bin/kf/account/list", params={"access_token": "x"}, json={}).json()["errcode"]
        == 40014
    )
    sb.advance_clock(7201)
    expired = sb.client.post(
        "/cgi-bin/kf/account/list", params={"access_token": first["access_token"]}, json={}
    )
    assert expired.json()["errcode"] == 42001


def test_accounts_and_links(sb, kf):
    listed = call(sb, kf, "account/list", {"offset": 0, "limit": 100})["account_list"]
    assert [a["open_kfid"][:2] for a in listed] == ["wk", "wk"]
    legacy = sb.client.get("/cgi-bin/kf/account/list", params={"access_token": kf["token"]}).json()
    assert legacy["account_list"] == listed
    assert call(sb, kf, "account/list", {"limit": 101})["errcode"] == 40058
    url = link(sb, kf)
    assert url.startswith("https://work.weixin.qq.com/kf/kfc") and "enc_scene=" in url
    assert call(sb, kf, "add_contact_way", {"open_kfid": "wkNOPE"})["errcode"] == 95000
    assert call(sb, kf, "add_contact_way", {"open_kfid": kf["kfid"], "scene": "含中文"})["errcode"] == 40058


def test_callback_is_encrypted_and_signed_and_sync_msg_pages(sb, kf):
    with HttpReceiver("/wecom/") as receiver:
        settings = sb.control("POST", "kf/config", json={"callback_url": receiver.url})
        entered = sb.control(
            "POST",
            "kf/customer/enter",
            json={"user": "xiaoming", "url": link(sb, kf) + "&scene_param=conv%3D42"},
        )
        request = receiver.wait_for(1)[0]
    q = {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}
    peer = WeChatCrypto(settings["callback_token"], settings["encoding_aes_key"], kf["corpid"])
    plain = peer.decrypt_message(request.body.decode(), q["msg_signature"], q["timestamp"], q["nonce"])
    assert "<Event><![CDATA[kf_msg_or_event]]></Event>" in plain and kf["kfid"] in plain
    token = plain.split("<Token><![CDATA[")[1].split("]]>")[0]
    with pytest.raises(Exception):  # noqa: B017 - a forged signature must not decrypt
        peer.decrypt_message(request.body.decode(), "0" * 40, q["timestamp"], q["nonce"])

    for n in range(3):
        sb.control(
            "POST",
            "kf/customer/message",
            json={"user": "xiaoming", "open_kfid": kf["kfid"], "content": f"问题{n}"},
        )
    first = call(sb, kf, "sync_msg", {"token": token, "limit": 2, "open_kfid": kf["kfid"]})
    assert first["has_more"] == 1 and len(first["msg_list"]) == 2
    event = first["msg_list"][0]
    assert event["origin"] == 4 and event["event"]["event_type"] == "enter_session"
    assert event["event"]["scene"] == "hub" and event["event"]["scene_param"] == "conv=42"
    assert event["event"]["external_userid"] == entered["external_userid"]
    rest = call(sb, kf, "sync_msg", {"token": token, "cursor": first["next_cursor"], "open_kfid": kf["kfid"]})
    assert first["msg_list"][1]["text"]["content"] == "问题0"
    assert rest["has_more"] == 0 and [m["text"]["content"] for m in rest["msg_list"]] == ["问题1", "问题2"]
    assert all(m["origin"] == 3 for m in rest["msg_list"])
    again = call(sb, kf, "sync_msg", {"token": token, "cursor": rest["next_cursor"]})
    assert again["msg_list"] == [] and again["has_more"] == 0
    assert call(sb, kf, "sync_msg", {"token": "ENCforged"})["errcode"] == 95007
    sb.advance_clock(601)
    assert call(sb, kf, "sync_msg", {"token": token})["errcode"] == 95007  # the Token lasts 10 minutes


def test_send_msg_window_count_and_state(sb, kf):
    external = sb.control("POST", "kf/customer/enter", json={"user": "lihua", "url": link(sb, kf)})[
        "external_userid"
    ]
    text = {"touser": external, "open_kfid": kf["kfid"], "msgtype": "text", "text": {"content": "您好"}}
    assert call(sb, kf, "send_msg", text)["errcode"] == 95031  # the customer has not written yet
    sb.control(
        "POST", "kf/customer/message", json={"user": "lihua", "open_kfid": kf["kfid"], "content": "在吗"}
    )
    assert [call(sb, kf, "send_msg", text)["errcode"] for _ in range(6)] == [0] * 5 + [95001]
    sb.control(
        "POST", "kf/customer/message", json={"user": "lihua", "open_kfid": kf["kfid"], "content": "还在"}
    )
    sent = call(sb, kf, "send_msg", text | {"msgid": "reply_0001"})
    assert sent == {"errcode": 0, "errmsg": "ok", "msgid": "reply_0001"}
    assert call(sb, kf, "send_msg", text | {"msgid": "reply_0001"})["errcode"] == 40058  # msgid reused
    assert call(sb, kf, "send_msg", text | {"msgid": "中文"})["errcode"] == 40058
    menu = {"touser": external, "open_kfid": kf["kfid"], "msgtype": "msgmenu"}
    items = [{"type": "click", "click": {"id": str(i), "content": "x"}} for i in range(11)]
    assert call(sb, kf, "send_msg", menu | {"msgmenu": {"list": items}})["errcode"] == 95008
    assert call(sb, kf, "send_msg", menu | {"msgmenu": {"list": [{"type": "bad"}]}})["errcode"] == 95009
    # API-sent messages are not returned by sync_msg, but the customer sees them.
    pulled = call(sb, kf, "sync_msg", {"open_kfid": kf["kfid"]})["msg_list"]
    assert not [m for m in pulled if m.get("msgid") == "reply_0001"]
    chat = sb.control("GET", "kf/chat", params={"user": "lihua", "open_kfid": kf["kfid"]})
    assert [m["origin"] for m in chat["messages"]].count(0) == 6
    # In the queue or with a servicer, the API may not send.
    assert call(
        sb,
        kf,
        "service_state/trans",
        {"open_kfid": kf["kfid"], "external_userid": external, "service_state": 2},
    )["msg_code"]
    assert call(sb, kf, "send_msg", text)["errcode"] == 95018
    sb.advance_clock(48 * 3600 + 1)
    kf["token"] = sb.client.get(
        "/cgi-bin/gettoken", params={"corpid": kf["corpid"], "corpsecret": kf["secret"]}
    ).json()["access_token"]
    assert call(sb, kf, "send_msg", text)["errcode"] == 95002


def test_service_state_machine_and_servicer_reply(sb, kf):
    external = sb.control("POST", "kf/customer/enter", json={"user": "wangfang", "url": link(sb, kf)})[
        "external_userid"
    ]
    state = lambda: call(sb, kf, "service_state/get", {"open_kfid": kf["kfid"], "external_userid": external})  # noqa: E731
    trans = lambda s, who="": call(  # noqa: E731
        sb,
        kf,
        "service_state/trans",
        {"open_kfid": kf["kfid"], "external_userid": external, "service_state": s, "servicer_userid": who},
    )
    assert state() == {"errcode": 0, "errmsg": "ok", "service_state": 0}
    assert trans(3, "nobody")["errcode"] == 95014
    assert trans(3, "wangwu")["errcode"] == 95019  # stopped receiving
    accepted = trans(3, "zhangsan")
    assert accepted["errcode"] == 0 and accepted["msg_code"]
    assert state()["service_state"] == 3 and state()["servicer_userid"] == "zhangsan"
    assert trans(1)["errcode"] == 95016  # 3 → 1 is not allowed
    assert trans(3, "lisi")["errcode"] == 0 and "msg_code" not in trans(
        3, "zhangsan"
    )  # transfer: no new code
    reply = sb.client.post(
        "/sandbox/kf/servicer/reply",
        json={"servicer": "lisi", "open_kfid": kf["kfid"], "user": "wangfang", "content": "我是客服小李"},
    )
    assert reply.status_code == 409  # zhangsan has it now
    sb.control(
        "POST",
        "kf/servicer/reply",
        json={
            "servicer": "zhangsan",
            "open_kfid": kf["kfid"],
            "user": "wangfang",
            "content": "您好，我是张三",
        },
    )
    pulled = call(sb, kf, "sync_msg", {"open_kfid": kf["kfid"]})["msg_list"]
    mine = [m for m in pulled if m["origin"] == 5]
    assert mine[0]["servicer_userid"] == "zhangsan" and mine[0]["text"]["content"] == "您好，我是张三"
    ended = trans(4)
    assert ended["errcode"] == 0 and ended["msg_code"]
    assert state()["service_state"] == 4 and trans(4)["errcode"] == 95016
    assert (
        call(sb, kf, "service_state/get", {"open_kfid": kf["kfid"], "external_userid": "wmNOBODY"})["errcode"]
        == 40096
    )
