"""Bad input gets WeChat Pay's own error for it, and nothing is written."""

import json
import time

import pytest
from pay_client import PayClient

from wxsandbox.config import generate_rsa_private_key_pem


@pytest.fixture
def pay(wxsandbox):
    return PayClient(wxsandbox)


def assert_error(response, status, code, message_part=""):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert message_part in body["message"]
    return body


def test_valid_native_prepay_is_signed(pay):
    response = pay.native("ORDER000001")
    assert response.status_code == 200
    assert response.json()["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert response.headers["Wechatpay-Serial"] == pay.merchant.platform_public_key_id
    assert response.headers["Request-ID"]
    assert pay.verify(response)


def test_requested_anchor_signs_the_answer(pay):
    m = pay.merchant
    by_cert = pay.request(
        "GET",
        f"/v3/pay/transactions/out-trade-no/NONE0001?mchid={m.mchid}",
        headers={"Wechatpay-Serial": m.platform_cert_serial},
    )
    assert by_cert.headers["Wechatpay-Serial"] == m.platform_cert_serial and pay.verify(by_cert)
    # The two anchors are different keys: a cert-signed answer does not verify with the public key.
    from wxsandbox.pay import crypto, signing

    message = signing.response_message(
        by_cert.headers["Wechatpay-Timestamp"], by_cert.headers["Wechatpay-Nonce"], by_cert.content
    )
    assert not crypto.rsa_verify(m.platform_public_key_pem, message, by_cert.headers["Wechatpay-Signature"])


def test_forged_signature(pay):
    response = pay.native("ORDER000002", key=generate_rsa_private_key_pem())
    body = assert_error(response, 401, "SIGN_ERROR", "签名错误")
    info = body["detail"]["sign_information"]
    assert info["method"] == "POST" and info["url"] == "/v3/pay/transactions/native"
    assert pay.orders_count() == 0


def test_body_tampered_after_signing(pay):
    body = json.dumps(
        {
            "appid": pay.handle.config.apps[0].appid,
            "mchid": pay.merchant.mchid,
            "description": "x",
            "out_trade_no": "ORDER000003",
            "notify_url": "https://e.com/n",
            "amount": {"total": 1},
        }
    )
    response = pay.request(
        "POST", "/v3/pay/transactions/native", body.replace('"total": 1', '"total": 2'), sign_body=body
    )
    assert_error(response, 401, "SIGN_ERROR")
    assert pay.orders_count() == 0


def test_query_string_is_part_of_the_signature(pay):
    m = pay.merchant
    url = f"/v3/pay/transactions/out-trade-no/NONE0001?mchid={m.mchid}"
    from wxsandbox.pay import signing

    auth = signing.build_authorization(
        m.mchid,
        m.merchant_serial,
        m.merchant_private_key_pem,
        "GET",
        "/v3/pay/transactions/out-trade-no/NONE0001",
        timestamp=int(time.time()),
    )
    response = pay.http.get(url, headers={"Authorization": auth})
    assert_error(response, 401, "SIGN_ERROR")


@pytest.mark.parametrize("skew", [-3600, -302, 302, 3600])
def test_stale_or_future_timestamp(pay, skew):
    now = int(time.time())
    response = pay.native("ORDER000004", timestamp=now + skew)
    assert_error(response, 401, "SIGN_ERROR", "timestamp与发起请求的时间不得超过5分钟")
    assert pay.orders_count() == 0


def test_timestamp_window_boundaries():
    from wxsandbox.pay.signing import AuthError, Authorization, check_timestamp

    def auth(ts):
        return Authorization("1", "n", str(ts), "s", "sig")

    now = 1_719_218_247.9
    for ok in (1_719_218_247 - 299, 1_719_218_247, 1_719_218_247 + 299):
        check_timestamp(auth(ok), now, 300, reject_future=True)
    for bad in (1_719_218_247 - 300, 1_719_218_247 + 300):
        with pytest.raises(AuthError):
            check_timestamp(auth(bad), now, 300, reject_future=True)
    check_timestamp(auth(1_719_218_247 + 3000), now, 300, reject_future=False)


def test_timestamp_inside_the_window_and_millisecond_timestamps(pay):
    now = int(time.time())
    assert pay.native("ORDER000005", timestamp=now - 290).status_code == 200
    assert_error(pay.native("ORDER000006", timestamp=now * 1000), 401, "SIGN_ERROR", "timestamp")


def test_advancing_the_sandbox_clock_keeps_real_clients_working(pay):
    """Signature timestamps are wall-clock time on both sides: a client signing with its real clock is
    accepted after the sandbox clock moved (to reach a bill day), and a 'virtual' timestamp is not."""
    pay.handle.advance_clock(2 * 86400)
    ok = pay.native("ORDER000007", timestamp=int(time.time()))
    assert ok.status_code == 200
    # The answer is signed with the real time too, so a verifier with a real clock accepts it.
    assert abs(int(ok.headers["Wechatpay-Timestamp"]) - time.time()) < 5
    virtual = int(pay.handle.sandbox.clock.now())
    assert_error(pay.native("ORDER000008", timestamp=virtual), 401, "SIGN_ERROR", "5分钟")
    assert_error(pay.native("ORDER000009", timestamp=int(time.time()) - 400), 401, "SIGN_ERROR")


def test_missing_or_foreign_authorization(pay):
    url = "/v3/pay/transactions/native"
    assert_error(pay.http.post(url, content=b"{}"), 401, "SIGN_ERROR", "Authorization")
    assert_error(
        pay.http.post(url, content=b"{}", headers={"Authorization": "Bearer abc"}), 401, "SIGN_ERROR"
    )


def test_unknown_mchid_and_wrong_serial(pay):
    assert_error(pay.native("ORDER000008", mchid="1111111111"), 400, "MCH_NOT_EXISTS")
    assert_error(pay.native("ORDER000009", serial="0123456789ABCDEF"), 401, "SIGN_ERROR", "serial_no")
    assert pay.orders_count() == 0


def test_nonce_replay_is_refused(pay):
    first = pay.native("ORDER000010", nonce="SAMENONCE0000000000000000000000A")
    assert first.status_code == 200
    replay = pay.native("ORDER000010", nonce="SAMENONCE0000000000000000000000A")
    assert_error(replay, 401, "SIGN_ERROR", "nonce_str")


def test_nonce_replay_allowed_when_configured(wxsandbox_factory):
    pay = PayClient(wxsandbox_factory(pay={"nonce_replay": "allow"}))
    assert pay.native("ORDER000011", nonce="N" * 32).status_code == 200
    assert pay.native("ORDER000011", nonce="N" * 32).status_code == 200


def test_malformed_json(pay):
    response = pay.request("POST", "/v3/pay/transactions/native", '{"appid": ')
    assert_error(response, 400, "PARAM_ERROR", "JSON")
    assert_error(pay.request("POST", "/v3/pay/transactions/native", "[1, 2]"), 400, "PARAM_ERROR")
    assert pay.orders_count() == 0


def test_oversized_body(wxsandbox_factory):
    pay = PayClient(wxsandbox_factory(max_body_bytes=4096))
    response = pay.native("ORDER000012", attach="x" * 5000)
    assert_error(response, 413, "PARAM_ERROR", "4096")
    assert pay.orders_count() == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"description": None}, "/body/description"),
        ({"out_trade_no": "abc"}, "out_trade_no"),  # too short
        ({"out_trade_no": "ORDER#00001"}, "out_trade_no"),  # bad charset
        ({"out_trade_no": "O" * 33}, "/body/out_trade_no"),
        ({"amount": {"total": 0}}, "金额"),
        ({"amount": {"total": -5}}, "金额"),
        ({"amount": {"total": "100"}}, "/body/amount/total"),
        ({"amount": {"total": 1.5}}, "/body/amount/total"),
        ({"amount": {"total": 100, "currency": "USD"}}, "CNY"),
        ({"amount": None}, "/body/amount"),
        ({"notify_url": "https://e.com/n?order=1"}, "notify_url"),
        ({"notify_url": "not a url"}, "notify_url"),
        ({"description": "长" * 128}, "/body/description"),
        ({"attach": "a" * 129}, "/body/attach"),
        ({"time_expire": "2030-01-01 00:00:00"}, "time_expire"),
    ],
)
def test_field_rules(pay, change, field):
    body = pay.order_body("ORDER000013") | change
    body = {k: v for k, v in body.items() if v is not None}
    response = pay.request("POST", "/v3/pay/transactions/native", body)
    assert_error(response, 400, "PARAM_ERROR", field if not field.startswith("/") else "")
    if field.startswith("/"):
        assert field in response.json()["message"] or response.json()["detail"]["field"] == field
    assert pay.orders_count() == 0


def test_jsapi_needs_an_openid_of_that_appid(pay):
    oa, mp, _store = pay.handle.config.apps
    body = pay.order_body("JSAPI0000001", appid=oa.appid)
    assert_error(pay.request("POST", "/v3/pay/transactions/jsapi", body), 400, "PARAM_ERROR", "/body/payer")
    body["payer"] = {
        "openid": pay.handle.openid("xiaoming", mp.appid)
    }  # the Mini Program's openid, not the OA's
    assert_error(
        pay.request("POST", "/v3/pay/transactions/jsapi", body), 400, "PARAM_ERROR", "openid和appid不匹配"
    )
    body["payer"] = {"openid": pay.handle.openid("xiaoming", oa.appid)}
    assert pay.request("POST", "/v3/pay/transactions/jsapi", body).status_code == 200


def test_h5_needs_scene_info(pay):
    body = pay.order_body("H5ORDER00001")
    assert_error(pay.request("POST", "/v3/pay/transactions/h5", body), 400, "PARAM_ERROR", "scene_info")
    body["scene_info"] = {"payer_client_ip": "203.0.113.9", "h5_info": {"type": "Wap"}}
    response = pay.request("POST", "/v3/pay/transactions/h5", body)
    assert response.status_code == 200 and "prepay_id=" in response.json()["h5_url"]


def test_app_prepay(pay):
    body = pay.order_body("APPORDER0001")
    assert "prepay_id" in pay.request("POST", "/v3/pay/transactions/app", body).json()


def test_appid_not_bound_and_body_mchid_mismatch(wxsandbox_factory, wxsandbox_base_config):
    import dataclasses

    oa, mp, _store = wxsandbox_base_config.apps
    merchant = dataclasses.replace(wxsandbox_base_config.merchants[0], appids=(oa.appid,))
    pay = PayClient(wxsandbox_factory(dataclasses.replace(wxsandbox_base_config, merchants=(merchant,))))
    assert_error(
        pay.native("ORDER000014", appid=mp.appid), 400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配"
    )
    assert_error(pay.native("ORDER000015", appid="wx0000000000000000"), 400, "APPID_MCHID_NOT_MATCH")
    other_mchid_in_body = pay.request(
        "POST",
        "/v3/pay/transactions/native",
        {
            "appid": oa.appid,
            "mchid": "1900000000",
            "description": "x",
            "out_trade_no": "ORDER000016",
            "notify_url": "https://e.com/n",
            "amount": {"total": 1},
        },
    )
    assert_error(other_mchid_in_body, 400, "PARAM_ERROR", "mchid")
    assert pay.orders_count() == 0


def test_duplicate_out_trade_no(pay):
    first = pay.native("ORDER000017", total=100)
    again = pay.native("ORDER000017", total=100)
    assert first.json() == again.json()
    assert_error(pay.native("ORDER000017", total=200), 403, "OUT_TRADE_NO_USED")
    assert pay.orders_count() == 1
    pay.handle.control("POST", "pay/confirm", json={"out_trade_no": "ORDER000017", "user_id": "lihua"})
    assert_error(pay.native("ORDER000017", total=100), 400, "ORDERPAID")


def test_query_needs_mchid_and_close_rules(pay):
    pay.native("ORDER000018")
    m = pay.merchant
    assert_error(
        pay.request("GET", "/v3/pay/transactions/out-trade-no/ORDER000018"), 400, "PARAM_ERROR", "mchid"
    )
    assert_error(
        pay.request("GET", "/v3/pay/transactions/out-trade-no/ORDER000018?mchid=1"), 400, "PARAM_ERROR"
    )
    assert_error(
        pay.request("GET", f"/v3/pay/transactions/id/4200000000000000000000000000?mchid={m.mchid}"),
        404,
        "ORDER_NOT_EXIST",
    )
    assert_error(
        pay.request("POST", "/v3/pay/transactions/out-trade-no/NOSUCH000001/close", {"mchid": m.mchid}),
        404,
        "ORDER_NOT_EXIST",
    )
    closed = pay.request("POST", "/v3/pay/transactions/out-trade-no/ORDER000018/close", {"mchid": m.mchid})
    assert closed.status_code == 204 and closed.content == b"" and pay.verify(closed)
    assert (
        pay.request(
            "POST", "/v3/pay/transactions/out-trade-no/ORDER000018/close", {"mchid": m.mchid}
        ).status_code
        == 204
    )
    assert_error(pay.native("ORDER000018"), 400, "ORDER_CLOSED")
    pay.native("ORDER000019")
    pay.handle.control("POST", "pay/confirm", json={"out_trade_no": "ORDER000019", "user_id": "lihua"})
    assert_error(
        pay.request("POST", "/v3/pay/transactions/out-trade-no/ORDER000019/close", {"mchid": m.mchid}),
        400,
        "ORDERPAID",
    )


def test_configurable_error_spellings(wxsandbox_factory):
    pay = PayClient(wxsandbox_factory(pay={"code_order_not_exist": "ORDERNOTEXIST"}))
    assert_error(
        pay.request("GET", f"/v3/pay/transactions/out-trade-no/NONE00001?mchid={pay.merchant.mchid}"),
        404,
        "ORDERNOTEXIST",
    )


def test_errors_are_signed_too(pay):
    response = pay.request("GET", f"/v3/pay/transactions/out-trade-no/NONE00001?mchid={pay.merchant.mchid}")
    assert response.status_code == 404 and pay.verify(response)


def test_concurrent_duplicate_placements_create_one_order(pay):
    import threading

    answers = []

    def place():
        response = pay.native("DUPRACE00001", total=100)
        answers.append((response.status_code, response.json().get("code_url")))

    threads = [threading.Thread(target=place) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert pay.orders_count() == 1
    assert {status for status, _ in answers} == {200}
    assert len({url for _, url in answers}) == 1  # everyone got the same code_url
