"""The message server at /wechat/oa/<appid>/: pushes signed and encrypted by wechatpy (the independent
peer), in plain, compatible and safe mode, and everything WeChat or an attacker might send instead."""

import threading
import time
from urllib.parse import urlencode

import pytest
from django.test import Client

from helpers.db import assert_unchanged, snapshot
from wxmall.officialaccount import hooks
from wxmall.officialaccount.models import InboundMessage, ReplyRule
from wxmall.officialaccount.testing import Pusher, build_xml

pytestmark = pytest.mark.django_db

MODES = ["plain", "compatible", "safe"]


@pytest.fixture
def echo_fallback(monkeypatch):
    seen = []

    def answer(inbound: hooks.InboundText):
        seen.append(inbound)
        return f"机器人：{inbound.text}"

    monkeypatch.setattr(hooks, "registry", hooks.registry.extended(answer))
    return seen


def test_url_verification_echoes_echostr_only_when_signed(client, push, oa):
    query = push.signed_query() | {"echostr": "5927782489442352469"}
    response = client.get(f"{push.path}?{urlencode(query)}")
    assert response.status_code == 200 and response.content == b"5927782489442352469"
    query["signature"] = "f" * 40
    response = client.get(f"{push.path}?{urlencode(query)}")
    assert response.status_code == 403 and b"5927782489442352469" not in response.content


@pytest.mark.parametrize("mode", MODES)
def test_text_goes_to_the_fallback_and_its_answer_is_the_passive_reply(client, push, mode, echo_fallback):
    response = push.post(client, push.text("笔记本保修多久？"), mode=mode)
    assert response.status_code == 200
    reply = push.reply(response, mode="plain" if mode == "plain" else mode)
    assert reply["MsgType"] == "text" and reply["Content"] == "机器人：笔记本保修多久？"
    assert reply["ToUserName"] == push.openid and reply["FromUserName"] == push.oa["original_id"]
    assert [i.text for i in echo_fallback] == ["笔记本保修多久？"]
    stored = InboundMessage.objects.get()
    assert stored.mode == mode and stored.content == "笔记本保修多久？" and "<MsgId>" in stored.raw


def test_text_nobody_answers_gets_success(client, push):
    response = push.post(client, push.text("随便说点什么"), mode="safe")
    assert response.content == b"success"
    assert InboundMessage.objects.count() == 1


def test_a_failing_fallback_is_skipped_for_the_next(client, push, monkeypatch):
    def broken(inbound):
        raise RuntimeError("bot down")

    registry = (
        hooks.registry.extended(broken).extended(lambda inbound: None).extended(lambda i: "人工稍后回复")
    )
    monkeypatch.setattr(hooks, "registry", registry)
    assert (
        push.reply(push.post(client, push.text("在吗"), mode="safe"), mode="safe")["Content"]
        == "人工稍后回复"
    )


def test_a_keyword_rule_answers_before_the_fallbacks(client, push, echo_fallback):
    ReplyRule.objects.create(name="保修", match="contains", pattern="保修", text="整机保修两年")
    reply = push.reply(push.post(client, push.text("保修政策是什么"), mode="safe"), mode="safe")
    assert reply["Content"] == "整机保修两年" and echo_fallback == []


@pytest.mark.parametrize("mode", MODES)
def test_a_resent_push_is_stored_once_and_gets_the_same_reply(client, push, mode, echo_fallback):
    message = push.text("你好")
    first = push.post(client, message, mode=mode)
    again = push.post(client, message, mode=mode)
    assert InboundMessage.objects.count() == 1 and len(echo_fallback) == 1
    assert push.reply(first, mode)["Content"] == push.reply(again, mode)["Content"] == "机器人：你好"


def test_events_dedupe_on_sender_and_create_time(client, push):
    click = push.event("CLICK", EventKey="V1001")
    push.post(client, click)
    push.post(client, click)
    push.post(client, push.event("CLICK", EventKey="V1001", CreateTime=click["CreateTime"] + 1))
    assert InboundMessage.objects.filter(event="CLICK").count() == 2


def test_a_push_resent_concurrently_is_stored_once(transactional_db, oa):
    push = Pusher(oa)
    message = push.text("并发")
    query, body = push.request(message, "safe")
    url = f"{push.path}?{urlencode(query)}"
    barrier, answers = threading.Barrier(6), []

    def send():
        barrier.wait()
        answers.append(Client().post(url, data=body, content_type="text/xml").status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert answers == [200] * 6
    assert InboundMessage.objects.count() == 1


def refused(client, push, status, code, fields=None, mode="safe", **kwargs):
    before = snapshot()
    response = push.post(client, fields if fields is not None else push.text("你好"), mode=mode, **kwargs)
    assert (response.status_code, response.content.decode()) == (status, code)
    assert_unchanged(before)
    return response


@pytest.mark.parametrize("mode", MODES)
def test_a_bad_signature_is_refused_and_nothing_written(client, push, mode):
    refused(client, push, 403, "oa_bad_signature", mode=mode, query={"signature": "0" * 40})


@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_a_bad_msg_signature_is_refused(client, push, mode):
    refused(client, push, 403, "oa_bad_signature", mode=mode, query={"msg_signature": "0" * 40})


def test_a_push_encrypted_with_another_key_is_refused(client, oa):
    forger = Pusher(oa | {"encoding_aes_key": "Z" * 43})
    refused(client, forger, 403, "oa_bad_signature", fields=forger.text("你好"))


def test_a_stale_timestamp_is_a_replay(client, push):
    refused(client, push, 403, "oa_stale_timestamp", timestamp=int(time.time()) - 3600)


def test_wrong_recipient_is_refused(client, push):
    refused(
        client, push, 400, "oa_wrong_recipient", fields=push.text("你好") | {"ToUserName": "gh_someoneelse"}
    )


def test_an_unknown_appid_is_refused(client, push):
    response = client.post("/wechat/oa/wx0000000000000000/", data=b"<xml/>", content_type="text/xml")
    assert (response.status_code, response.content) == (404, b"oa_unknown_account")


XXE = """<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh_0a1b2c3d4e5f</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&x;</Content><MsgId>1</MsgId></xml>"""
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]><xml><Content>&i;</Content></xml>"
)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("body", [XXE, LAUGHS, "<xml><unclosed>", "not xml at all", "<html></html>"])
def test_hostile_xml_is_refused(client, push, mode, body):
    refused(client, push, 400, "oa_bad_message", fields=body, mode=mode)


def test_an_oversized_body_is_refused_unread(client, push, settings):
    settings.OA_MESSAGE_MAX_BYTES = 4096
    refused(client, push, 413, "oa_message_too_large", fields=push.text("长" * 3000), mode="plain")


def test_a_message_without_sender_is_refused(client, push):
    fields = push.text("你好")
    del fields["FromUserName"]
    refused(client, push, 400, "oa_bad_message", fields=fields, mode="safe")


@pytest.mark.parametrize("mode", MODES)
def test_hostile_text_round_trips_escaped(client, push, mode, monkeypatch):
    hostile = "]]><script>alert(1)</script>&amp;\x01<a href='x'>'\"</a>"
    live = hooks.registry
    monkeypatch.setattr(hooks, "registry", live.extended(lambda inbound: "回声：" + inbound.text))
    fields = push.fields("text", Content="", MsgId=77)
    xml = build_xml(fields).replace(
        "<Content><![CDATA[]]></Content>", "<Content>&lt;b&gt;]]&gt;&amp;</Content>"
    )
    reply = push.reply(push.post(client, xml, mode=mode), mode)
    assert reply["Content"] == "回声：<b>]]>&"
    monkeypatch.setattr(hooks, "registry", live.extended(lambda inbound: hostile))
    reply = push.reply(push.post(client, push.text("再来"), mode=mode), mode)
    assert reply["Content"] == hostile.replace("\x01", "")  # XML cannot carry control characters


def test_production_refuses_to_start_without_the_message_server_keys(settings):
    from django.core.exceptions import ImproperlyConfigured

    from wxmall.officialaccount import config

    settings.DEMO = False
    settings.WECHAT_APPS = settings.WECHAT_APPS | {"oa": {"appid": "wx1a2b3c4d5e6f7a8b", "secret": "0" * 32}}
    with pytest.raises(
        ImproperlyConfigured, match="WECHAT_OA_TOKEN.*WECHAT_OA_ENCODING_AES_KEY.*ORIGINAL_ID"
    ):
        config.validate()
    settings.WECHAT_APPS["oa"] |= {
        "token": "abc123",
        "encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "original_id": "gh_0a1b2c3d4e5f",
    }
    config.validate()
