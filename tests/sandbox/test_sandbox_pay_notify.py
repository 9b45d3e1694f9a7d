"""Payment notifications: WeChat's retry schedule (in sandbox time), success rule, callback faults."""

import json
import threading
import time

import pytest
from pay_client import PayClient

from wxsandbox.config import PAY_RETRY_SCHEDULE
from wxsandbox.pay import crypto, signing


def place_and_pay(sb, receiver, out_trade_no, total=100):
    pay = PayClient(sb)
    assert pay.native(out_trade_no, total=total, notify_url=receiver.url).status_code == 200
    return sb.control("POST", "pay/confirm", json={"out_trade_no": out_trade_no, "user_id": "xiaoming"})


def test_notification_is_signed_encrypted_and_answers_the_transaction(wxsandbox, receiver):
    paid = place_and_pay(wxsandbox, receiver, "NOTIFY000001", total=12345)
    request = receiver.wait_for(1)[0]
    m = wxsandbox.merchant
    h = {k.lower(): v for k, v in request.headers.items()}
    assert h["wechatpay-serial"] == m.platform_public_key_id
    assert h["wechatpay-signature-type"] == "WECHATPAY2-SHA256-RSA2048"
    assert crypto.rsa_verify(
        m.platform_public_key_pem,
        signing.response_message(h["wechatpay-timestamp"], h["wechatpay-nonce"], request.body),
        h["wechatpay-signature"],
    )
    envelope = json.loads(request.body)
    assert list(envelope) == ["id", "create_time", "resource_type", "event_type", "summary", "resource"]
    assert envelope["event_type"] == "TRANSACTION.SUCCESS" and envelope["resource_type"] == "encrypt-resource"
    assert envelope["summary"] == "支付成功"
    resource = envelope["resource"]
    assert resource["algorithm"] == "AEAD_AES_256_GCM" and resource["original_type"] == "transaction"
    assert len(resource["nonce"]) == 12
    transaction = json.loads(
        crypto.aes_gcm_decrypt(
            m.apiv3_key, resource["nonce"], resource["associated_data"], resource["ciphertext"]
        )
    )
    assert transaction == paid["transaction"]
    assert transaction["amount"] == {
        "total": 12345,
        "payer_total": 12345,
        "currency": "CNY",
        "payer_currency": "CNY",
    }
    assert len(transaction["transaction_id"]) == 28 and transaction["trade_type"] == "NATIVE"


def test_retry_schedule_until_success_in_sandbox_time(wxsandbox, receiver):
    receiver.answer_next(500, 503, 404, 401)  # four failures, then 200
    delivery_id = place_and_pay(wxsandbox, receiver, "NOTIFY000002")["deliveries"][0]
    delivery = wxsandbox.wait_delivery(delivery_id)
    assert delivery["status"] == "delivered" and delivery["attempts"] == 5
    log = delivery["attempt_log"]
    assert [a["status"] for a in log] == [500, 503, 404, 401, 200]
    gaps = [round(b["scheduled_at"] - a["scheduled_at"], 6) for a, b in zip(log, log[1:], strict=False)]
    assert gaps == [15, 15, 30, 180]
    assert len(receiver.requests) == 5
    bodies = {r.body for r in receiver.requests}
    assert len(bodies) == 1  # same envelope (same id) every time…
    nonces = {r.headers["Wechatpay-Nonce"] for r in receiver.requests}
    assert len(nonces) == 5  # …freshly signed each time


def test_a_200_with_fail_body_is_success_and_204_too(wxsandbox, receiver):
    receiver.answer_next(204)
    delivery_id = place_and_pay(wxsandbox, receiver, "NOTIFY000003")["deliveries"][0]
    assert wxsandbox.wait_delivery(delivery_id)["attempts"] == 1


def test_schedule_exhausted_gives_up_after_16_attempts(wxsandbox_factory, receiver):
    sb = wxsandbox_factory(time_factor=0.00001)
    receiver.default_status = 500
    delivery_id = place_and_pay(sb, receiver, "NOTIFY000004")["deliveries"][0]
    delivery = sb.wait_delivery(delivery_id, timeout=10)
    assert delivery["status"] == "failed" and delivery["attempts"] == 1 + len(PAY_RETRY_SCHEDULE) == 16
    total = delivery["attempt_log"][-1]["scheduled_at"] - delivery["attempt_log"][0]["scheduled_at"]
    assert total == sum(PAY_RETRY_SCHEDULE) == 24 * 3600 + 4 * 60


def test_real_time_schedule_waits_and_clock_advance_releases_retries(wxsandbox_factory, receiver):
    sb = wxsandbox_factory(time_factor=1.0)
    receiver.answer_next(500)
    delivery_id = place_and_pay(sb, receiver, "NOTIFY000005")["deliveries"][0]
    receiver.wait_for(1)
    time.sleep(0.3)
    assert len(receiver.requests) == 1  # the retry is 15 s away
    sb.advance_clock(15)
    assert sb.wait_delivery(delivery_id)["status"] == "delivered"
    assert len(receiver.requests) == 2


def test_receiver_timeout_counts_as_failure(wxsandbox_factory, receiver):
    sb = wxsandbox_factory(pay={"notify_timeout_seconds": 0.2})
    receiver.delay = 0.5
    receiver.answer_next(200)
    delivery_id = place_and_pay(sb, receiver, "NOTIFY000006")["deliveries"][0]
    receiver.wait_for(1)
    receiver.delay = 0
    delivery = sb.wait_delivery(delivery_id)
    assert delivery["status"] == "delivered"
    assert delivery["attempt_log"][0]["status"] is None and delivery["attempt_log"][0]["error"] == "timeout"


def test_unreachable_receiver_is_retried(wxsandbox, receiver):
    pay = PayClient(wxsandbox)
    pay.native("NOTIFY000007", notify_url="http://127.0.0.1:9/closed")
    paid = wxsandbox.control("POST", "pay/confirm", json={"out_trade_no": "NOTIFY000007", "user_id": "lihua"})
    wxsandbox.wait_for(
        lambda: wxsandbox.control("GET", f"callbacks/{paid['deliveries'][0]}")["attempts"] >= 3
    )
    out = wxsandbox.journal(direction="out", kind="pay.notify")
    assert out and out[0]["status"] is None and "ConnectError" in out[0]["note"]


def test_drop_fault(wxsandbox, receiver):
    wxsandbox.add_fault(target="callback:pay.notify", drop=True, times=1)
    first = place_and_pay(wxsandbox, receiver, "NOTIFY000008")["deliveries"]
    second = place_and_pay(wxsandbox, receiver, "NOTIFY000009")["deliveries"]
    assert wxsandbox.wait_delivery(second[0])["status"] == "delivered"
    assert wxsandbox.control("GET", f"callbacks/{first[0]}")["status"] == "dropped"
    time.sleep(0.1)
    assert len(receiver.requests) == 1


def test_duplicate_fault(wxsandbox, receiver):
    wxsandbox.add_fault(target="callback:pay.notify", duplicate=True)
    ids = place_and_pay(wxsandbox, receiver, "NOTIFY000010")["deliveries"]
    assert len(ids) == 2
    receiver.wait_for(2)
    assert receiver.requests[0].body == receiver.requests[1].body  # same notification id twice


def test_delay_fault_in_sandbox_seconds(wxsandbox_factory, receiver):
    sb = wxsandbox_factory(time_factor=1.0)
    sb.add_fault(target="callback:pay.notify", delay_seconds=120)
    delivery_id = place_and_pay(sb, receiver, "NOTIFY000011")["deliveries"][0]
    time.sleep(0.2)
    assert receiver.requests == []
    sb.advance_clock(120)
    delivery = sb.wait_delivery(delivery_id)
    assert delivery["status"] == "delivered"
    assert delivery["attempt_log"][0]["scheduled_at"] - delivery["created_at"] == pytest.approx(120)


def test_reorder_fault(wxsandbox_factory, receiver):
    sb = wxsandbox_factory(time_factor=1.0)
    sb.add_fault(target="callback:pay.notify", reorder=True, times=1)
    place_and_pay(sb, receiver, "NOTIFY000012")
    time.sleep(0.1)
    assert receiver.requests == []  # held back…
    place_and_pay(sb, receiver, "NOTIFY000013")
    receiver.wait_for(2)
    # Sent is not yet recorded: the attempt log is written once the answer is in, so wait for it.
    delivered = [sb.wait_delivery(d["id"]) for d in sb.deliveries()]
    first_sent = min(delivered, key=lambda d: d["attempt_log"][0]["sent_at"])
    assert first_sent["meta"]["out_trade_no"] == "NOTIFY000013"  # …until a later one overtook it


def test_callback_faults_are_seeded(wxsandbox_factory, receiver):
    def outcome():
        sb = wxsandbox_factory(seed=99)
        sb.add_fault(target="callback:pay.notify", drop=True, probability=0.5)
        pay = PayClient(sb)
        statuses = []
        for n in range(12):
            pay.native(f"SEED{n:08d}", notify_url=receiver.url)
            ids = sb.control("POST", "pay/confirm", json={"out_trade_no": f"SEED{n:08d}", "user_id": "lihua"})
            statuses.append(sb.control("GET", f"callbacks/{ids['deliveries'][0]}")["status"] == "dropped")
        return statuses

    first, second = outcome(), outcome()
    assert first == second and 0 < sum(first) < 12


def test_concurrent_confirms_pay_once_and_notify_once(wxsandbox, receiver):
    PayClient(wxsandbox).native("RACE00000001", notify_url=receiver.url)
    results = []

    def confirm():
        response = wxsandbox.client.post(
            "/sandbox/pay/confirm", json={"out_trade_no": "RACE00000001", "user_id": "wangfang"}
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=confirm) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * 7
    receiver.wait_for(1)
    time.sleep(0.1)
    assert len(receiver.requests) == 1


def test_more_due_deliveries_than_concurrency_slots_all_arrive(wxsandbox_factory, receiver):
    sb = wxsandbox_factory(callback_concurrency=1)
    receiver.delay = 0.02  # keep the only slot busy while more deliveries become due
    started = time.monotonic()
    ids = [place_and_pay(sb, receiver, f"SLOTS{n:07d}")["deliveries"][0] for n in range(8)]
    receiver.wait_for(8, timeout=20)
    # Each freed slot must wake the dispatcher at once; a lost wake-up would cost its 1 s safety poll each.
    assert time.monotonic() - started < 6
    assert all(sb.wait_delivery(i)["status"] == "delivered" for i in ids)


def test_signtest_probe_precedes_the_notification_and_must_be_refused(wxsandbox_factory, receiver):
    from wechatpayv3 import WeChatPay, WeChatPayType

    sb = wxsandbox_factory(pay={"signtest_probes": True})
    m = sb.merchant
    merchant_sdk = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=m.mchid,
        private_key=m.merchant_private_key_pem,
        cert_serial_no=m.merchant_serial,
        appid=sb.config.apps[0].appid,
        apiv3_key=m.apiv3_key,
        notify_url=receiver.url,
        public_key=m.platform_public_key_pem,
        public_key_id=m.platform_public_key_id,
    )
    # A verifying merchant: a notification whose signature does not verify gets 401.
    receiver.respond = lambda r: None if merchant_sdk.callback(r.headers, r.body) is not None else 401
    place_and_pay(sb, receiver, "PROBE0000001")
    probe, real = receiver.wait_for(2)
    assert probe.headers["Wechatpay-Signature"].startswith("WECHATPAY/SIGNTEST/")
    assert probe.body == real.body
    # The receiver sees a request before the sandbox records its outcome: wait for the recorded state.
    outcome = {d["kind"]: sb.wait_delivery(d["id"]) for d in sb.deliveries()}
    assert outcome["pay.notify.signtest"]["status"] == "delivered"  # the merchant refused the probe (401)
    assert outcome["pay.notify.signtest"]["attempt_log"][0]["status"] == 401
    assert outcome["pay.notify"]["status"] == "delivered" and outcome["pay.notify"]["attempts"] == 1

    # A merchant that accepts everything (no verification) is caught: the probe delivery fails.
    receiver.respond = None
    careless = wxsandbox_factory(pay={"signtest_probes": True})
    place_and_pay(careless, receiver, "PROBE0000002")
    probe_delivery = careless.deliveries(kind="pay.notify.signtest")[0]
    assert careless.wait_delivery(probe_delivery["id"])["status"] == "failed"
