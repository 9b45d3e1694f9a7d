"""Pushes to a real local message server (reference §2): modes, passive replies, retries, faults, events.

The receiver is a real HTTP server in a thread; in safe mode it uses wechatpy's ``WeChatCrypto`` (an
independent implementation) to decrypt the sandbox's pushes and to encrypt its replies.
"""

import dataclasses
import time

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto

from helpers.http import HttpReceiver
from wxsandbox.config import OFFICIAL_ACCOUNT
from wxsandbox.mp import msgcrypt, xmlmsg

UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试"


@pytest.fixture
def receiver():
    """The developer's message server (the shared HttpReceiver); tests set ``respond(request)``."""
    with HttpReceiver("/wechat/oa?tenant=1") as r:
        r.respond = lambda request: (200, b"success")
        yield r


@pytest.fixture
def make_sandbox(wxsandbox_factory, wxsandbox_base_config, receiver):
    def start(mode="safe"):
        apps = tuple(
            dataclasses.replace(a, server_url=receiver.url, message_mode=mode)
            if a.kind == OFFICIAL_ACCOUNT
            else a
            for a in wxsandbox_base_config.apps
        )
        sb = wxsandbox_factory(apps=apps)
        return sb, sb.app_of_kind(OFFICIAL_ACCOUNT)

    return start


def peer(app):
    return WeChatCrypto(app.token, app.encoding_aes_key, app.appid)


def decrypt_push(app, request):
    """What a developer's server does with a safe-mode push, using wechatpy."""
    q = request.query
    assert q["signature"] == msgcrypt.signature(app.token, q["timestamp"], q["nonce"])
    assert q["encrypt_type"] == "aes"
    plain = peer(app).decrypt_message(request.body, q["msg_signature"], q["timestamp"], q["nonce"])
    return xmltodict.parse(plain)["xml"]


def text_reply(fields, content):
    return (
        f"<xml><ToUserName><![CDATA[{fields['FromUserName']}]]></ToUserName><FromUserName><![CDATA["
        f"{fields['ToUserName']}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content></xml>"
    )


def follow(sb, user="xiaoming"):
    return sb.control("POST", "mp/oa/follow", json={"user": user})


# -- safe mode with wechatpy as the peer ------------------------------------------------------------------------


def test_safe_mode_push_decrypts_with_wechatpy_and_encrypted_reply_is_accepted(make_sandbox, receiver):
    sb, app = make_sandbox("safe")

    def respond(request):
        fields = decrypt_push(app, request)
        if fields["MsgType"] == "event":
            return 200, b"success"
        reply = text_reply(fields, "收到：" + fields["Content"])
        return 200, peer(app).encrypt_message(reply, request.query["nonce"]).encode()

    receiver.respond = respond
    follow(sb)
    result = sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "你好"})
    assert result["delivered"] and result["attempts"] == 1
    assert result["reply"] == {"msgtype": "text", "content": "收到：你好"}
    pushed = decrypt_push(app, receiver.requests[-1])
    assert pushed["MsgType"] == "text" and pushed["Content"] == "你好"
    assert int(pushed["MsgId"]) == result["msgid"]
    assert pushed["FromUserName"] == sb.openid("xiaoming", app.appid)
    assert pushed["ToUserName"].startswith("gh_")
    assert receiver.requests[-1].query["openid"] == pushed["FromUserName"]
    envelope = xmlmsg.parse(receiver.requests[-1].body)
    assert set(envelope) == {"ToUserName", "Encrypt"}  # safe mode: nothing in the clear
    chat = sb.control("GET", "mp/oa/conversation", params={"user": "xiaoming"})["messages"]
    assert [(m["source"], m["body"].get("content")) for m in chat if m["shown"]] == [
        ("user", "你好"),
        ("passive", "收到：你好"),
    ]


def test_tampered_encrypted_reply_is_rejected_and_user_sees_service_unavailable(make_sandbox, receiver):
    sb, app = make_sandbox("safe")

    def respond(request):
        fields = decrypt_push(app, request)
        if fields["MsgType"] == "event":
            return 200, b""
        good = peer(app).encrypt_message(text_reply(fields, "hi"), "123456")
        forged = xmltodict.parse(good)["xml"]
        signature = forged["MsgSignature"]
        bad = good.replace(signature, ("0" if signature[0] != "0" else "1") + signature[1:])
        return 200, bad.encode()

    receiver.respond = respond
    follow(sb)
    result = sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "在吗"})
    assert result["reply"] is None and "-40001" in result["error"]
    assert result["shown_to_user"] == UNAVAILABLE
    chat = sb.control("GET", "mp/oa/conversation", params={"user": "xiaoming"})["messages"]
    assert chat[-1]["source"] == "system" and chat[-1]["body"]["content"] == UNAVAILABLE


def test_safe_mode_refuses_a_plaintext_reply(make_sandbox, receiver):
    sb, app = make_sandbox("safe")
    receiver.respond = lambda r: (200, text_reply(decrypt_push(app, r), "明文").encode())
    result = follow(sb)
    assert result["reply"] is None and "必须加密" in result["error"]


def test_reply_to_someone_else_is_an_error(make_sandbox, receiver):
    sb, app = make_sandbox("plain")
    receiver.respond = lambda r: (
        200,
        text_reply({"FromUserName": "oSomeoneElse", "ToUserName": "gh"}, "x").encode(),
    )
    assert "ToUserName" in follow(sb)["error"]


# -- plain and compatible modes ----------------------------------------------------------------------------


def test_plain_mode_signature_and_news_reply(make_sandbox, receiver):
    sb, app = make_sandbox("plain")

    def respond(request):
        q = request.query
        assert q["signature"] == msgcrypt.signature(app.token, q["timestamp"], q["nonce"])
        assert "encrypt_type" not in q and q["tenant"] == "1"  # the configured URL's own query survives
        fields = xmltodict.parse(request.body)["xml"]
        if fields["MsgType"] == "event":
            return 200, b"success"
        news = xmlmsg.build(
            {
                "ToUserName": fields["FromUserName"],
                "FromUserName": fields["ToUserName"],
                "CreateTime": 1,
                "MsgType": "news",
                "ArticleCount": 2,
                "Articles": [
                    {
                        "Title": "ThinkPad X1",
                        "Description": "轻薄本",
                        "PicUrl": "http://p/1.jpg",
                        "Url": "http://shop.test/p/1",
                    },
                    {"Title": "MacBook Air", "Description": "", "PicUrl": "", "Url": "http://shop.test/p/2"},
                ],
            }
        )
        return 200, news.encode()

    receiver.respond = respond
    assert follow(sb)["reply"] is None  # "success" means no reply
    result = sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "笔记本"})
    assert result["reply"]["msgtype"] == "news"
    assert [a["title"] for a in result["reply"]["articles"]] == ["ThinkPad X1", "MacBook Air"]


def test_compatible_mode_sends_both_and_accepts_plain_replies(make_sandbox, receiver):
    sb, app = make_sandbox("compatible")

    def respond(request):
        envelope = xmltodict.parse(request.body)["xml"]
        assert "Encrypt" in envelope and "MsgType" in envelope
        decrypted = decrypt_push(app, request)
        assert decrypted["MsgType"] == envelope["MsgType"]
        return 200, text_reply(envelope, "欢迎关注").encode()

    receiver.respond = respond
    assert follow(sb)["reply"] == {"msgtype": "text", "content": "欢迎关注"}


@pytest.mark.parametrize(
    "answer", [b"<xml><unclosed>", b'{"json": "reply"}', b"<xml><MsgType>gif</MsgType></xml>"]
)
def test_invalid_replies_are_errors(make_sandbox, receiver, answer):
    sb, _ = make_sandbox("plain")
    receiver.respond = lambda r: (200, answer)
    result = follow(sb)
    assert result["delivered"] and result["reply"] is None and result["error"]
    assert result["shown_to_user"] == UNAVAILABLE


# -- retries and faults ------------------------------------------------------------------------------------


def test_push_times_out_twice_then_is_answered_with_identical_retries(make_sandbox, receiver):
    sb, app = make_sandbox("plain")
    sb.control("POST", "mp/settings", json={"push_timeout_seconds": 0.5})
    follow(sb)
    receiver.clear()

    def respond(request):
        if len(receiver.requests) <= 2:
            time.sleep(1.0)  # longer than the sandbox waits
        fields = xmltodict.parse(request.body)["xml"]
        return 200, text_reply(fields, "第三次才回").encode()

    receiver.respond = respond
    result = sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "hello"})
    assert result["attempts"] == 3 and result["delivered"]
    assert result["reply"]["content"] == "第三次才回"
    assert len({r.body for r in receiver.requests}) == 1  # same MsgId, same CreateTime
    assert len({r.path for r in receiver.requests}) == 1  # same signature/timestamp/nonce
    attempts = sb.wait_delivery(result["delivery_ids"][0])["attempt_log"]
    assert [a["error"] for a in attempts] == ["timeout", "timeout", ""]


def test_push_gives_up_after_three_retries(make_sandbox, receiver):
    sb, _ = make_sandbox("plain")
    receiver.respond = lambda r: (500, b"boom")
    result = follow(sb)
    assert result["status"] == "failed" and result["attempts"] == 4 and len(receiver.requests) == 4
    assert result["shown_to_user"] == UNAVAILABLE


def test_dropped_push_never_reaches_the_server(make_sandbox, receiver):
    sb, _ = make_sandbox("plain")
    sb.add_fault(target="callback:mp.oa_push", drop=True, times=1)
    result = follow(sb)
    assert result["status"] == "dropped" and not receiver.requests


def test_duplicated_push_arrives_twice_but_the_reply_is_shown_once(make_sandbox, receiver):
    sb, app = make_sandbox("plain")
    follow(sb)
    sb.add_fault(target="callback:mp.oa_push", duplicate=True, times=1)
    receiver.clear()
    receiver.respond = lambda r: (200, text_reply(xmltodict.parse(r.body)["xml"], "一次").encode())
    result = sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "x"})
    assert len(result["delivery_ids"]) == 2
    sb.wait_for(lambda: len(receiver.requests) == 2)
    assert receiver.requests[0].body == receiver.requests[1].body
    sb.wait_delivery(result["delivery_ids"][1])
    chat = sb.control("GET", "mp/oa/conversation", params={"user": "xiaoming"})["messages"]
    assert sum(m["body"].get("content") == "一次" for m in chat) == 1


def test_no_server_configured_means_no_push(wxsandbox):
    result = wxsandbox.control("POST", "mp/oa/follow", json={"user": "xiaoming"})
    assert result["status"] == "no_server" and result["following"]


# -- URL verification ----------------------------------------------------------------------------------------


def test_url_verification_against_the_configured_server(make_sandbox, receiver):
    sb, app = make_sandbox("safe")

    def respond(request):
        q = request.query
        if q["signature"] != msgcrypt.signature(app.token, q["timestamp"], q["nonce"]):
            return 403, b"bad signature"
        return 200, q["echostr"].encode()

    receiver.respond = respond
    result = sb.control("POST", "mp/oa/verify-url", json={})
    assert result["ok"] and receiver.requests[-1].method == "GET"
    receiver.respond = lambda r: (200, b"wrong")
    assert not sb.control("POST", "mp/oa/verify-url", json={})["ok"]


# -- events ------------------------------------------------------------------------------------------------


def events_seen(receiver):
    return [xmltodict.parse(r.body)["xml"] for r in receiver.requests if r.method == "POST"]


def test_follow_unfollow_and_menu_events(make_sandbox, receiver):
    sb, app = make_sandbox("plain")
    token = sb.access_token(app)
    mp = sb.config.apps_of_kind("mini_program")[0]
    menu = {
        "button": [
            {"type": "click", "name": "客服", "key": "KF"},
            {
                "name": "商城",
                "sub_button": [
                    {"type": "view", "name": "首页", "url": "http://shop.test/"},
                    {
                        "type": "miniprogram",
                        "name": "小程序",
                        "url": "http://shop.test/m",
                        "appid": mp.appid,
                        "pagepath": "pages/index/index",
                    },
                ],
            },
        ]
    }
    assert (
        sb.client.post("/cgi-bin/menu/create", params={"access_token": token}, json=menu).json()["errcode"]
        == 0
    )
    not_yet = sb.client.post("/sandbox/mp/oa/click", json={"user": "lihua", "key": "KF"})
    assert not_yet.status_code == 409
    follow(sb, "lihua")
    receiver.respond = lambda r: (200, text_reply(xmltodict.parse(r.body)["xml"], "已收到").encode())
    clicked = sb.control("POST", "mp/oa/click", json={"user": "lihua", "key": "KF"})
    viewed = sb.control("POST", "mp/oa/click", json={"user": "lihua", "url": "http://shop.test/"})
    assert clicked["reply"]["content"] == "已收到" and viewed["navigate"] == "http://shop.test/"
    opened = sb.control("POST", "mp/oa/click", json={"user": "lihua", "pagepath": "pages/index/index"})
    assert opened["open_mini_program"] == {"appid": mp.appid, "pagepath": "pages/index/index"}
    assert sb.client.post("/sandbox/mp/oa/click", json={"user": "lihua", "key": "NOPE"}).status_code == 404
    gone = sb.control("POST", "mp/oa/unfollow", json={"user": "lihua"})
    assert gone["changed"] and not gone["following"]
    seen = events_seen(receiver)
    assert [(e["Event"], e.get("EventKey")) for e in seen] == [
        ("subscribe", None),
        ("CLICK", "KF"),
        ("VIEW", "http://shop.test/"),
        ("view_miniprogram", "pages/index/index"),
        ("unsubscribe", None),
    ]
    assert seen[2]["MenuId"] == str(sb.control("GET", "mp/oa/menu")["menu"]["menuid"])
    chat = sb.control("GET", "mp/oa/conversation", params={"user": "lihua"})["messages"]
    shown = [m["body"].get("content") for m in chat if m["shown"]]
    assert shown == ["已收到"]  # replies to VIEW and unsubscribe never reach the user
    assert sb.control("POST", "mp/oa/unfollow", json={"user": "lihua"})["changed"] is False


def test_scan_scene_qr_subscribes_then_scans(make_sandbox, receiver):
    sb, app = make_sandbox("plain")
    token = sb.access_token(app)
    qr = sb.client.post(
        "/cgi-bin/qrcode/create",
        params={"access_token": token},
        json={"expire_seconds": 600, "action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 123}}},
    ).json()
    first = sb.control("POST", "mp/oa/scan", json={"user": "wangfang", "ticket": qr["ticket"]})
    second = sb.control("POST", "mp/oa/scan", json={"user": "wangfang", "url": qr["url"]})
    assert (first["event"], second["event"]) == ("subscribe", "SCAN")
    seen = events_seen(receiver)
    assert (seen[0]["EventKey"], seen[0]["Ticket"]) == ("qrscene_123", qr["ticket"])
    assert (seen[1]["EventKey"], seen[1]["Ticket"]) == ("123", qr["ticket"])
    info = sb.client.get(
        "/cgi-bin/user/info", params={"access_token": token, "openid": sb.openid("wangfang", app.appid)}
    ).json()
    assert info["subscribe_scene"] == "ADD_SCENE_QR_CODE" and info["qr_scene"] == 123
    sb.advance_clock(601)
    expired = sb.client.post("/sandbox/mp/oa/scan", json={"user": "wangfang", "ticket": qr["ticket"]})
    assert expired.status_code == 404


def test_template_message_reports_job_finish_to_the_server(make_sandbox, receiver):
    sb, app = make_sandbox("safe")
    follow(sb)
    token = sb.access_token(app)
    sent = sb.client.post(
        "/cgi-bin/message/template/send",
        params={"access_token": token},
        json={
            "touser": sb.openid("xiaoming", app.appid),
            "template_id": "ORDER_PAID",
            "data": {"keyword1": {"value": "WX2024001"}, "keyword2": {"value": "6999.00元"}},
        },
    ).json()
    assert sent["errcode"] == 0
    sb.wait_for(lambda: len(receiver.requests) == 2)
    report = decrypt_push(app, receiver.requests[-1])
    assert report["Event"] == "TEMPLATESENDJOBFINISH" and int(report["MsgID"]) == sent["msgid"]
    assert report["Status"] == "success"


def test_mass_send_reports_job_finish_with_the_counts(make_sandbox, receiver):
    sb, app = make_sandbox("safe")
    follow(sb)
    token = sb.access_token(app)

    def call(path, body):
        return sb.client.post(path, params={"access_token": token}, json=body).json()

    tag_id = call("/cgi-bin/tags/create", {"tag": {"name": "群发"}})["tag"]["id"]
    openids = [sb.openid(u, app.appid) for u in ("xiaoming", "lihua")]  # lihua does not follow
    call("/cgi-bin/tags/members/batchtagging", {"openid_list": openids, "tagid": tag_id})
    body = {"filter": {"is_to_all": False, "tag_id": tag_id}, "msgtype": "text", "text": {"content": "上新"}}
    sent = call("/cgi-bin/message/mass/sendall", body | {"clientmsgid": "m-1"})
    assert sent["errcode"] == 0
    sb.wait_for(lambda: len(receiver.requests) == 2)
    report = decrypt_push(app, receiver.requests[-1])
    assert report["Event"] == "MASSSENDJOBFINISH" and int(report["MsgID"]) == sent["msg_id"]
    assert report["Status"] == "send success"
    counts = {k: int(report[k]) for k in ("TotalCount", "FilterCount", "SentCount", "ErrorCount")}
    assert counts == {"TotalCount": 2, "FilterCount": 1, "SentCount": 1, "ErrorCount": 0}
    assert report["CopyrightCheckResult"]["CheckState"] == "1"


# -- Mini Program customer-service pushes --------------------------------------------------------------------


@pytest.fixture
def make_mp_sandbox(wxsandbox_factory, wxsandbox_base_config, receiver):
    def start(mode="safe"):
        apps = tuple(
            dataclasses.replace(a, server_url=receiver.url, message_mode=mode)
            if a.kind == "mini_program"
            else a
            for a in wxsandbox_base_config.apps
        )
        sb = wxsandbox_factory(apps=apps)
        return sb, sb.app_of_kind("mini_program")

    return start


def test_mini_program_json_push_opens_the_customer_service_window(make_mp_sandbox, receiver):
    import json

    sb, app = make_mp_sandbox("safe")
    token = sb.access_token(app)
    openid = sb.openid("lihua", app.appid)

    def send():
        return sb.client.post(
            "/cgi-bin/message/custom/send",
            params={"access_token": token},
            json={"touser": openid, "msgtype": "text", "text": {"content": "您好，这里是客服"}},
        ).json()["errcode"]

    assert send() == 45015  # the user never wrote
    pushed = []

    def respond(request):
        q = request.query
        envelope = json.loads(request.body)
        assert set(envelope) == {"ToUserName", "Encrypt"}
        plain = peer(app).decrypt_message(envelope, q["msg_signature"], q["timestamp"], q["nonce"])
        pushed.append(json.loads(plain))
        return 200, b"success"

    receiver.respond = respond
    entered = sb.control(
        "POST", "mp/miniprogram/enter-session", json={"user": "lihua", "session_from": "order-7"}
    )
    written = sb.control("POST", "mp/miniprogram/message", json={"user": "lihua", "content": "屏幕有坏点"})
    assert entered["delivered"] and written["reply"] is None and not written["error"]
    assert pushed[0]["Event"] == "user_enter_tempsession" and pushed[0]["SessionFrom"] == "order-7"
    assert pushed[1] | {"CreateTime": 0} == {
        "ToUserName": pushed[1]["ToUserName"],
        "FromUserName": openid,
        "CreateTime": 0,
        "MsgType": "text",
        "Content": "屏幕有坏点",
        "MsgId": written["msgid"],
    }
    # 5 per user message + 2 for entering the session (independent windows)
    assert [send() for _ in range(8)] == [0] * 7 + [45047]


def test_mini_program_push_replies(make_mp_sandbox, receiver):
    sb, app = make_mp_sandbox("plain")
    receiver.respond = lambda r: (
        200,
        b'{"ToUserName":"o","FromUserName":"gh","CreateTime":1,"MsgType":"transfer_customer_service"}',
    )
    transferred = sb.control("POST", "mp/miniprogram/message", json={"user": "xiaoming", "content": "转人工"})
    assert transferred["reply"] == {"msgtype": "transfer_customer_service"}
    receiver.respond = lambda r: (200, b'{"MsgType":"text","Content":"hi"}')
    refused = sb.control("POST", "mp/miniprogram/message", json={"user": "xiaoming", "content": "x"})
    assert refused["reply"] is None and "success" in refused["error"]
    sb.control("POST", "mp/settings", json={"push_format": {app.appid: "xml"}})
    receiver.respond = lambda r: (200, b"success")
    sb.control("POST", "mp/miniprogram/message", json={"user": "xiaoming", "content": "xml 格式"})
    assert xmlmsg.parse(receiver.requests[-1].body)["Content"] == "xml 格式"
    bad = sb.client.post("/sandbox/mp/settings", json={"push_format": {app.appid: "yaml"}})
    assert bad.status_code == 400


def test_image_reply_needs_uploaded_media(make_sandbox, receiver):
    sb, app = make_sandbox("plain")
    token = sb.access_token(app)
    media_id = sb.client.post(
        "/cgi-bin/media/upload",
        params={"access_token": token, "type": "image"},
        files={"media": ("a.png", b"\x89PNG....", "image/png")},
    ).json()["media_id"]
    follow(sb)

    def image_reply(media):
        def respond(request):
            fields = xmltodict.parse(request.body)["xml"]
            return 200, xmlmsg.build(
                {
                    "ToUserName": fields["FromUserName"],
                    "FromUserName": fields["ToUserName"],
                    "CreateTime": 1,
                    "MsgType": "image",
                    "Image": {"MediaId": media},
                }
            ).encode()

        return respond

    receiver.respond = image_reply(media_id)
    good = sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "看图"})
    assert good["reply"] == {"msgtype": "image", "media_id": media_id}
    receiver.respond = image_reply("never-uploaded")
    bad = sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "再看"})
    assert bad["reply"] is None and "40007" in bad["error"] and bad["shown_to_user"] == UNAVAILABLE


# -- wechatpy as the whole developer server: parse_message + reply builders -------------------------------------


def test_a_wechatpy_message_server_understands_every_push_and_is_understood(make_sandbox, receiver):
    from wechatpy import parse_message
    from wechatpy.replies import ArticlesReply, ImageReply, TextReply

    sb, app = make_sandbox("safe")
    token = sb.access_token(app)
    media_id = sb.client.post(
        "/cgi-bin/media/upload",
        params={"access_token": token, "type": "image"},
        files={"media": ("a.png", b"\x89PNG....", "image/png")},
    ).json()["media_id"]
    sb.client.post(
        "/cgi-bin/menu/create",
        params={"access_token": token},
        json={
            "button": [
                {"type": "click", "name": "推荐", "key": "HOT"},
                {"type": "view", "name": "商城", "url": "http://shop.test/"},
            ]
        },
    )
    qr = sb.client.post(
        "/cgi-bin/qrcode/create",
        params={"access_token": token},
        json={"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "store-1"}}},
    ).json()
    seen = []

    def respond(request):
        q = request.query
        crypto = peer(app)
        message = parse_message(
            crypto.decrypt_message(request.body, q["msg_signature"], q["timestamp"], q["nonce"])
        )
        seen.append(message)
        if message.type == "text":
            reply = TextReply(content="你说：" + message.content, message=message)
        elif message.type == "event" and message.event == "click":
            reply = ArticlesReply(
                message=message,
                articles=[
                    {
                        "title": "ThinkPad X1 Carbon",
                        "description": "14 英寸",
                        "image": "http://p/1.jpg",
                        "url": "http://shop.test/p/1",
                    }
                ],
            )
        elif message.type == "event" and message.event == "subscribe_scan":
            reply = ImageReply(message=message, media_id=media_id)
        else:
            return 200, b"success"
        return 200, crypto.encrypt_message(reply.render(), q["nonce"]).encode()

    receiver.respond = respond
    scanned = sb.control("POST", "mp/oa/scan", json={"user": "xiaoming", "ticket": qr["ticket"]})
    said = sb.control("POST", "mp/oa/message", json={"user": "xiaoming", "content": "有货吗"})
    clicked = sb.control("POST", "mp/oa/click", json={"user": "xiaoming", "key": "HOT"})
    sb.control("POST", "mp/oa/click", json={"user": "xiaoming", "url": "http://shop.test/"})
    sb.control("POST", "mp/oa/scan", json={"user": "xiaoming", "url": qr["url"]})
    sent = sb.client.post(
        "/cgi-bin/message/template/send",
        params={"access_token": token},
        json={"touser": sb.openid("xiaoming", app.appid), "template_id": "T", "data": {"k": {"value": "v"}}},
    ).json()
    sb.wait_for(lambda: len(seen) == 6)

    assert scanned["reply"] == {"msgtype": "image", "media_id": media_id}
    assert said["reply"] == {"msgtype": "text", "content": "你说：有货吗"}
    assert clicked["reply"]["articles"][0]["title"] == "ThinkPad X1 Carbon"
    kinds = [(m.type, getattr(m, "event", None)) for m in seen]
    assert kinds == [
        ("event", "subscribe_scan"),
        ("text", None),
        ("event", "click"),
        ("event", "view"),
        ("event", "scan"),
        ("event", "templatesendjobfinish"),
    ]
    assert seen[0].scene_id == "store-1" and seen[0].ticket == qr["ticket"]
    assert seen[1].id == said["msgid"] and seen[1].source == sb.openid("xiaoming", app.appid)
    assert seen[2].key == "HOT" and seen[3].url == "http://shop.test/"
    assert seen[4].scene_id == "store-1"
    assert seen[5].id == sent["msgid"] and seen[5].status == "success"
