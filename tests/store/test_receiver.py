"""The push receiver /wechat/store/<appid>/ against WeChat's safe mode, encrypted by wxsandbox's own
(independent) implementation of the scheme."""

import json
import time

import pytest
from django.test import Client
from tests.helpers.db import unchanged

from wxmall.store import crypto, pushes
from wxmall.store.models import StoreEvent
from wxmall.store.testing import PUSH_AES_KEY, PUSH_TOKEN, STORE_APPID
from wxsandbox.mp.msgcrypt import MsgCrypt

URL = f"/wechat/store/{STORE_APPID}/"
WECHAT = MsgCrypt(PUSH_TOKEN, PUSH_AES_KEY, STORE_APPID)


def event(name="product_spu_audit", create_time=None, **body):
    message = {
        "ToUserName": "gh_abcdef123456",
        "FromUserName": "oVxmE5mRm2vF0ZpqHcG3rQ2PXA2c",
        "CreateTime": create_time or int(time.time()),
        "MsgType": "event",
        "Event": name,
    }
    message.update(body or {"ProductSpuAudit": {"product_id": "10000029995861", "status": 3, "reason": ""}})
    return message


def post(message, *, crypt=WECHAT, timestamp=None, nonce="1514711492", tamper=None, raw=None):
    timestamp = str(timestamp or int(time.time()))
    text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    encrypted = crypt.encrypt(text)
    query = {
        "signature": crypto.signature(crypt.token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": crypt.sign(timestamp, nonce, encrypted),
    }
    if tamper:
        query.update(tamper)
    body = raw if raw is not None else json.dumps({"ToUserName": "gh_abcdef123456", "Encrypt": encrypted})
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return Client().post(f"{URL}?{qs}", data=body, content_type="application/json")


def test_url_verification_echoes_echostr_per_the_reference_vector(store, settings):
    settings.WECHAT_STORE_PUSH_TOKEN = "AAAAA"
    response = Client().get(
        URL,
        {
            "signature": "f464b24fc39322e44b38aa78f5edd27bd1441696",
            "timestamp": "1714036504",
            "nonce": "1514711492",
            "echostr": "4375120948345356249",
        },
    )
    assert response.status_code == 200
    assert response.content == b"4375120948345356249"


def test_url_verification_with_a_forged_signature_is_refused(store):
    response = Client().get(
        URL, {"signature": "0" * 40, "timestamp": "1714036504", "nonce": "1", "echostr": "hello<script>"}
    )
    assert response.status_code == 401
    assert b"hello" not in response.content


def test_a_push_is_stored_once_and_answered_success(store):
    response = post(event())
    assert response.status_code == 200 and response.content == b"success"
    row = StoreEvent.objects.get()
    assert (row.event, row.business_id, row.appid) == ("product_spu_audit", "10000029995861", STORE_APPID)
    assert json.loads(row.raw)["ProductSpuAudit"]["status"] == 3


def test_a_redelivered_push_changes_nothing(store):
    message = event()
    assert post(message).content == b"success"
    with unchanged():
        assert post(message, nonce="777").content == b"success"
    assert StoreEvent.objects.count() == 1


def test_same_event_at_another_create_time_is_a_new_event(store):
    post(event(create_time=1700000100))
    post(event(create_time=1700000200))
    assert StoreEvent.objects.count() == 2


def test_a_sharer_bound_and_unbound_within_one_second_is_two_events(store):
    for status in (1, 2, 2):  # bind, unbind, the unbind redelivered
        message = event("channels_ec_sharer_change", 1700000100, openid="o_sharer_1", sharer_type=0)
        post(message | {"bind_status": status})
    rows = StoreEvent.objects.order_by("id").values_list("business_id", flat=True)
    assert list(rows) == ["o_sharer_1:1", "o_sharer_1:2"]


def test_order_ids_beyond_2_53_survive_as_exact_strings(store):
    post(event("channels_ec_order_pay", order_info={"order_id": 3705115058471208928, "pay_time": 1658509200}))
    assert StoreEvent.objects.get().business_id == "3705115058471208928"


@pytest.mark.parametrize(
    "tamper",
    [
        {"msg_signature": "0" * 40},
        {"signature": "f" * 40},
        {"timestamp": "1"},  # outside the replay window (signatures recomputed below do not help)
        {"nonce": ""},
    ],
)
def test_forged_or_stale_pushes_are_refused_and_write_nothing(store, tamper):
    with unchanged():
        response = post(event(), tamper=tamper)
    assert response.status_code in (400, 401)
    assert b"success" not in response.content


def test_a_stale_but_correctly_signed_push_is_refused(store):
    with unchanged():
        response = post(event(), timestamp=int(time.time()) - 3600)
    assert response.status_code == 401


def test_a_push_for_another_appid_is_refused(store):
    other = MsgCrypt(PUSH_TOKEN, PUSH_AES_KEY, "wx9999999999999999")
    with unchanged():
        response = post(event(), crypt=other)
    assert response.status_code == 400


def test_a_push_encrypted_with_another_key_is_refused(store):
    other = MsgCrypt(PUSH_TOKEN, "Z" * 43, STORE_APPID)
    with unchanged():
        assert post(event(), crypt=other).status_code == 400


@pytest.mark.parametrize(
    "raw", ["not json", "[]", '{"ToUserName": "gh"}', '{"Encrypt": 5}', '{"Encrypt": "%%%notbase64"}']
)
def test_malformed_bodies_are_refused(store, raw):
    with unchanged():
        response = post(event(), raw=raw, tamper={"msg_signature": "x"} if "Encrypt" not in raw else None)
    assert response.status_code in (400, 401)


@pytest.mark.parametrize(
    "text", ['{"Event": "x"}', "[1, 2]", '{"Event": "x", "CreateTime": 1.5}', "不是 JSON"]
)
def test_decrypted_messages_that_are_not_events_are_refused(store, text):
    with unchanged():
        assert post(text).status_code == 400


def test_unknown_appid_path_is_404(store):
    response = Client().get(
        "/wechat/store/wx0000000000000000/", {"signature": "x", "timestamp": "1", "nonce": "1"}
    )
    assert response.status_code == 404


def test_oversized_push_is_refused(store):
    with unchanged():
        assert post(event(), raw="{" + " " * 70_000 + "}").status_code == 413


def test_hub_decrypts_what_wxsandbox_encrypts_and_vice_versa():
    text = json.dumps(event(), ensure_ascii=False)
    assert crypto.decrypt(PUSH_AES_KEY, WECHAT.encrypt(text), STORE_APPID) == text
    ours = crypto.encrypt(PUSH_AES_KEY, text, STORE_APPID, b"0123456789abcdef")
    assert WECHAT.decrypt(ours) == text


def test_a_push_about_a_product_we_never_synced_is_ignored_without_calling_wechat(store):
    post(event(ProductSpuAudit={"product_id": "424242", "status": 2, "reason": "图片不清晰"}))
    row = StoreEvent.objects.get()
    assert pushes.process(row.pk).startswith("ignored")
    row.refresh_from_db()
    assert row.processed_at is not None
    assert pushes.process(row.pk) == "done"  # processing again changes nothing


def test_unknown_events_are_stored_and_ignored(store):
    post(event("channels_ec_vip_join", user_info={"join_time": 1}))
    row = StoreEvent.objects.get()
    assert row.business_id == ""
    assert pushes.process(row.pk).startswith("ignored")
