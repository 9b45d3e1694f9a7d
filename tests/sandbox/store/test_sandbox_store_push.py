"""Event push per reference §9: URL verification, safe-mode JSON (decrypted with wechatpy), the plain
variant, the 5 s deadline, WeChat's retry schedule compressed by time_factor, and the fault knobs."""

import json
import time

from store_client import decrypt_push

from wxsandbox.mp import msgcrypt
from wxsandbox.store.settings import PUSH_RETRY_SCHEDULE


def make_event(store):
    """Any state change pushes: adding a draft sends product_spu_update."""
    return store.add_product(listing=0)


def deliveries(store, **filters):
    return store.control("GET", "deliveries", params=filters)["deliveries"]


def test_signature_vector_from_the_reference():
    assert (
        msgcrypt.signature("AAAAA", "1714036504", "1514711492") == "f464b24fc39322e44b38aa78f5edd27bd1441696"
    )


def test_url_verification_get_is_signed_and_wants_the_echostr_back(store, shop_server):
    app = store.app

    def respond(request):
        q = request.query
        if request.method == "GET" and q["signature"] == msgcrypt.signature(
            app.token, q["timestamp"], q["nonce"]
        ):
            return 200, q["echostr"].encode()
        return 403, b""

    shop_server.respond = respond
    assert store.control("POST", "verify-url", json={})["ok"] is True
    shop_server.respond = lambda request: (200, b"success")
    failed = store.control("POST", "verify-url", json={})
    assert failed["ok"] is False and "echostr" in failed["error"]


def test_safe_mode_push_envelope_decrypts_with_wechatpy_and_carries_the_shop_appid(store, shop_server):
    product_id = make_event(store)
    request = shop_server.wait_for(1)[0]
    assert request.method == "POST" and request.path.startswith("/wechat/store/events?tenant=1&")
    assert "openid" not in request.query  # unconfirmed for store pushes: off by default
    message = decrypt_push(store.app, request)
    assert (
        message["Event"] == "product_spu_update" and message["ProductSpuUpdate"]["product_id"] == product_id
    )
    assert isinstance(message["CreateTime"], int) and message["FromUserName"]
    crypt = msgcrypt.MsgCrypt(store.app.token, store.app.encoding_aes_key, "wx0000000000000000")
    envelope = json.loads(request.body)
    try:
        crypt.decrypt(envelope["Encrypt"])
    except msgcrypt.MsgCryptError as exc:
        assert exc.code == msgcrypt.VALIDATE_APPID_ERROR  # the trailing AppID is the shop's
    else:
        raise AssertionError("a foreign AppID must not decrypt")
    [delivery] = deliveries(store)
    assert delivery["meta"]["event"] == "product_spu_update"
    assert store.handle.wait_delivery(delivery["id"])["status"] == "delivered"


def test_plain_mode_sends_the_json_itself(make_store, shop_server):
    store = make_store(mode="plain")
    make_event(store)
    request = shop_server.wait_for(1)[0]
    assert "encrypt_type" not in request.query and "msg_signature" not in request.query
    q = request.query
    assert q["signature"] == msgcrypt.signature(store.app.token, q["timestamp"], q["nonce"])
    assert json.loads(request.body)["Event"] == "product_spu_update"


def test_failing_server_gets_wechats_ten_deliveries_on_the_reference_schedule(make_store, shop_server):
    store = make_store(time_factor=0.0001)  # the 3.6 hours of retries in about 1.3 s
    shop_server.respond = lambda request: (500, b"")
    make_event(store)
    [delivery] = deliveries(store)
    final = store.handle.wait_delivery(delivery["id"], timeout=10)
    assert final["status"] == "failed" and final["attempts"] == 10 == len(PUSH_RETRY_SCHEDULE) + 1
    times = [a["scheduled_at"] for a in final["attempt_log"]]
    gaps = [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)]
    assert gaps == [float(g) for g in PUSH_RETRY_SCHEDULE]
    bodies = {r.body for r in shop_server.requests}
    assert len(bodies) == 1  # every retry is the identical request


def test_a_non_success_body_or_a_slow_answer_counts_as_failure(make_store, shop_server):
    store = make_store()
    store.control("POST", "settings", json={"push_timeout_seconds": 0.3})
    answers = iter([(200, b"fail"), "slow", (200, b"")])

    def respond(request):
        answer = next(answers)
        if answer == "slow":
            time.sleep(0.6)
            return 200, b"success"
        return answer

    shop_server.respond = respond
    make_event(store)
    [delivery] = deliveries(store)
    final = store.handle.wait_delivery(delivery["id"], timeout=10)
    assert final["status"] == "delivered" and final["attempts"] == 3
    assert final["attempt_log"][1]["error"] == "timeout"


def test_dropped_duplicated_and_reordered_pushes(store, shop_server):
    store.handle.add_fault(target="callback:store.push", drop=True, times=1)
    dropped = make_event(store)
    assert deliveries(store)[0]["status"] == "dropped"
    store.handle.clear_faults()
    store.handle.add_fault(target="callback:store.push", duplicate=True, times=1)
    doubled = make_event(store)
    shop_server.wait_for(2)
    ids = [decrypt_push(store.app, r)["ProductSpuUpdate"]["product_id"] for r in shop_server.requests]
    assert ids == [doubled, doubled] and dropped not in ids
    store.handle.clear_faults()
    store.handle.add_fault(target="callback:store.push", reorder=True, times=1)
    held = make_event(store)
    overtaking = make_event(store)
    shop_server.wait_for(4)
    later = [decrypt_push(store.app, r)["ProductSpuUpdate"]["product_id"] for r in shop_server.requests[2:]]
    assert later == [overtaking, held]


def test_no_server_url_records_events_without_deliveries(make_store):
    store = make_store(server_url="")
    product_id = make_event(store)
    [event] = store.events(business_id=product_id)
    assert event["deliveries"] == [] and event["message"]["Event"] == "product_spu_update"
    assert deliveries(store) == []


def test_retry_schedule_and_timeout_are_knobs(make_store, shop_server):
    store = make_store(store={"push_retry_schedule": [1, 2]})
    shop_server.respond = lambda request: (503, b"")
    make_event(store)
    [delivery] = deliveries(store)
    final = store.handle.wait_delivery(delivery["id"], timeout=10)
    assert final["attempts"] == 3 and final["status"] == "failed"
    bad = store.handle.client.post("/sandbox/store/settings", json={"push_retry_schedule": ["x"]})
    assert bad.status_code == 400
    assert store.handle.client.post("/sandbox/store/settings", json={"nope": 1}).status_code == 400


def test_example_config_documents_the_store_table_and_it_parses(tmp_path, capsys):
    import tomllib

    from wxsandbox.cli import main
    from wxsandbox.config import load_config

    assert main(["config", "--example"]) == 0
    text = capsys.readouterr().out
    assert "[store]" in text and 'kind = "store"' in text
    path = tmp_path / "sandbox.toml"
    path.write_text(text)
    config = load_config(path)
    assert config.apps_of_kind("store") and tomllib.loads(text)["store"]["audit_outcome"] == "pass"
    from wxsandbox.store.settings import StoreSettings, _merge

    _merge(StoreSettings(), dict(config.section("store")), "[store]")  # every documented key is a real knob


def test_the_push_target_can_be_set_at_run_time(make_store, shop_server):
    store = make_store(server_url="")
    make_event(store)
    assert deliveries(store) == []
    store.control("POST", "settings", json={"server_urls": {store.app.appid: shop_server.url}})
    product_id = make_event(store)
    assert decrypt_push(store.app, shop_server.wait_for(1)[0])["ProductSpuUpdate"]["product_id"] == product_id
    bad = store.handle.client.post(
        "/sandbox/store/settings", json={"server_urls": {store.app.appid: "ftp://x"}}
    )
    assert bad.status_code == 400
