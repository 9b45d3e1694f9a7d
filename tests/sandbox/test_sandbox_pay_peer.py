"""The independent peer: the ``wechatpayv3`` SDK, pointed at the sandbox, drives the whole payment cycle."""

import json

from wechatpayv3 import WeChatPay, WeChatPayType


def peer(sb, kind=WeChatPayType.NATIVE, appid=None, notify_url="http://127.0.0.1:9/pay/notify", **kwargs):
    m = sb.merchant
    if "cert_dir" not in kwargs:
        kwargs.update(public_key=m.platform_public_key_pem, public_key_id=m.platform_public_key_id)
    wxpay = WeChatPay(
        wechatpay_type=kind,
        mchid=m.mchid,
        private_key=m.merchant_private_key_pem,
        cert_serial_no=m.merchant_serial,
        appid=appid or sb.config.apps[0].appid,
        apiv3_key=m.apiv3_key,
        notify_url=notify_url,
        **kwargs,
    )
    wxpay._core._gate_way = sb.base_url
    return wxpay


def test_native_order_query_pay_notify_refund(wxsandbox, receiver):
    wxpay = peer(wxsandbox, notify_url=receiver.url)
    code, message = wxpay.pay(
        description="联想小新 Pro 16 笔记本电脑",
        out_trade_no="WX20240624000001",
        amount={"total": 539900},
        attach="order=1",
    )
    assert code == 200, message
    code_url = json.loads(message)["code_url"]
    assert code_url.startswith("weixin://wxpay/bizpayurl?pr=")

    code, message = wxpay.query(out_trade_no="WX20240624000001")
    assert code == 200 and json.loads(message)["trade_state"] == "NOTPAY"

    paid = wxsandbox.control("POST", "pay/confirm", json={"code_url": code_url, "user_id": "lihua"})
    assert paid["transaction"]["trade_state"] == "SUCCESS"
    request = receiver.wait_for(1)[0]
    result = wxpay.callback(request.headers, request.body)
    assert result is not None, "wechatpayv3 rejected the sandbox's notification"
    assert result["event_type"] == "TRANSACTION.SUCCESS"
    resource = result["resource"]
    assert resource["out_trade_no"] == "WX20240624000001" and resource["trade_state"] == "SUCCESS"
    assert resource["amount"]["total"] == resource["amount"]["payer_total"] == 539900
    assert resource["payer"]["openid"] == wxsandbox.openid("lihua", wxsandbox.config.apps[0].appid)
    assert resource["attach"] == "order=1"
    assert wxsandbox.wait_delivery(paid["deliveries"][0])["status"] == "delivered"

    code, message = wxpay.query(transaction_id=resource["transaction_id"])
    assert code == 200 and json.loads(message)["success_time"] == resource["success_time"]

    code, message = wxpay.refund(
        out_refund_no="RF20240624000001",
        amount={"refund": 100, "total": 539900, "currency": "CNY"},
        transaction_id=resource["transaction_id"],
        notify_url=receiver.url,
    )
    assert code == 200, message
    assert json.loads(message)["status"] == "PROCESSING"
    refund_note = receiver.wait_for(2)[1]
    refund_result = wxpay.callback(refund_note.headers, refund_note.body)
    assert refund_result["event_type"] == "REFUND.SUCCESS"
    assert refund_result["resource"]["refund_status"] == "SUCCESS"
    code, message = wxpay.query_refund("RF20240624000001")
    assert code == 200 and json.loads(message)["status"] == "SUCCESS"
    code, message = wxpay.query(out_trade_no="WX20240624000001")
    assert json.loads(message)["trade_state"] == "REFUND"


def test_jsapi_order_from_the_mini_program_and_close(wxsandbox):
    mp = wxsandbox.config.apps[1]
    wxpay = peer(wxsandbox, WeChatPayType.MINIPROG, appid=mp.appid)
    openid = wxsandbox.openid("xiaoming", mp.appid)
    code, message = wxpay.pay(
        description="罗技 MX Master 3S",
        out_trade_no="MP20240624000001",
        amount={"total": 69900},
        payer={"openid": openid},
    )
    assert code == 200, message
    prepay_id = json.loads(message)["prepay_id"]
    assert prepay_id.startswith("wx") and len(prepay_id) == 36
    # Same parameters again: the same prepay_id (idempotent placement).
    assert (
        json.loads(
            wxpay.pay(
                description="罗技 MX Master 3S",
                out_trade_no="MP20240624000001",
                amount={"total": 69900},
                payer={"openid": openid},
            )[1]
        )["prepay_id"]
        == prepay_id
    )
    pending = wxsandbox.control("GET", "pay/orders", params={"user_id": "xiaoming"})["orders"]
    assert [o["prepay_id"] for o in pending] == [prepay_id]

    code, message = wxpay.close(out_trade_no="MP20240624000001")
    assert code == 204 and not message  # verified signature over the empty body
    code, message = wxpay.query(out_trade_no="MP20240624000001")
    assert json.loads(message)["trade_state"] == "CLOSED"
    refused = wxsandbox.client.post("/sandbox/pay/confirm", json={"prepay_id": prepay_id})
    assert refused.status_code == 409


def test_peer_sees_wechat_errors(wxsandbox):
    wxpay = peer(wxsandbox)
    code, message = wxpay.query(out_trade_no="NOSUCHORDER01")
    assert code == 404 and json.loads(message)["code"] == "ORDER_NOT_EXIST"
    code, message = wxpay.pay(description="x", out_trade_no="bad no!", amount={"total": 1})
    assert code == 400 and json.loads(message)["code"] == "PARAM_ERROR"


def test_certificate_mode_with_a_prefilled_cert_dir(wxsandbox_factory, tmp_path, wxsandbox_base_config):
    import dataclasses

    merchant = dataclasses.replace(wxsandbox_base_config.merchants[0], platform_mode="certificate")
    sb = wxsandbox_factory(dataclasses.replace(wxsandbox_base_config, merchants=(merchant,)))
    (tmp_path / f"{merchant.platform_cert_serial}.pem").write_text(merchant.platform_cert_pem)
    wxpay = peer(sb, cert_dir=str(tmp_path))
    code, message = wxpay.pay(description="cert mode", out_trade_no="CERT00000001", amount={"total": 1})
    assert code == 200, message  # wechatpayv3 verified the response against the platform certificate
    code, message = wxpay.query(out_trade_no="CERT00000001")
    assert code == 200 and json.loads(message)["trade_state"] == "NOTPAY"


def test_trade_bill_through_the_sdk(wxsandbox):
    """The SDK's own bill flow: signed pointer, then its unsigned download (``skip_verify``) at our URL."""
    import gzip
    import hashlib
    from datetime import timedelta

    wxpay = peer(wxsandbox)
    wxpay.pay(description="显示器", out_trade_no="SDKBILL00001", amount={"total": 129900})
    wxsandbox.control("POST", "pay/confirm", json={"out_trade_no": "SDKBILL00001", "user_id": "lihua"})
    # The SDK signs with the real clock, so instead of advancing the sandbox clock to tomorrow the payment
    # is moved to yesterday.
    wxsandbox.sandbox.state.execute("UPDATE pay_orders SET success_time = success_time - 86400")
    yesterday = (wxsandbox.sandbox.clock.datetime() - timedelta(days=1)).date().isoformat()
    code, message = wxpay.trade_bill(bill_date=yesterday)
    assert code == 200, message
    pointer = json.loads(message)
    code, content = wxpay.download_bill(pointer["download_url"])
    assert code == 200
    text = gzip.decompress(content)
    assert hashlib.sha1(text).hexdigest() == pointer["hash_value"]
    assert "`SDKBILL00001" in text.decode() and "`1299.00" in text.decode()


def test_jsapi_invocation_signed_by_the_sdk_opens_the_cashier(wxsandbox):
    """The page's getBrandWCPayRequest parameters, signed by wechatpayv3 (§1.9), are checked like WeChat's
    client would: good paySign → cashier; tampered, wrong appId or wrong package → refused."""
    oa = wxsandbox.config.apps[0]
    wxpay = peer(wxsandbox, WeChatPayType.JSAPI)
    code, message = wxpay.pay(
        description="机械键盘",
        out_trade_no="INVOKE000001",
        amount={"total": 39900},
        payer={"openid": wxsandbox.openid("wangfang", oa.appid)},
    )
    prepay_id = json.loads(message)["prepay_id"]
    params = {
        "appId": oa.appid,
        "timeStamp": "1719218247",
        "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        "package": f"prepay_id={prepay_id}",
        "signType": "RSA",
    }
    params["paySign"] = wxpay.sign(
        [params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]
    )
    cashier = wxsandbox.control("POST", "pay/invoke", json={"params": params, "user_id": "wangfang"})
    assert cashier["amount_total"] == 39900 and cashier["prepay_id"] == prepay_id

    def refused(changed, user_id=None):
        response = wxsandbox.client.post(
            "/sandbox/pay/invoke", json={"params": params | changed, "user_id": user_id}
        )
        return response.status_code, response.json()["error"]

    assert refused({"nonceStr": "tampered"}) == (400, "invalid_signature")
    assert refused({"appId": wxsandbox.config.apps[1].appid}) == (400, "appid_mismatch")
    assert refused({"package": prepay_id}) == (400, "invalid_request")
    assert refused({"timeStamp": "1719218247000"}) == (400, "invalid_request")
    assert refused({}, user_id="lihua") == (400, "wrong_user")
    assert wxsandbox.client.post("/sandbox/pay/invoke", json={}).status_code == 400


def test_app_invocation_signature(wxsandbox):
    wxpay = peer(wxsandbox, WeChatPayType.APP)
    code, message = wxpay.pay(description="App 下单", out_trade_no="INVOKE000002", amount={"total": 100})
    prepay_id = json.loads(message)["prepay_id"]
    appid, mchid = wxsandbox.config.apps[0].appid, wxsandbox.merchant.mchid
    params = {
        "appid": appid,
        "partnerid": mchid,
        "prepayid": prepay_id,
        "package": "Sign=WXPay",
        "noncestr": "n" * 32,
        "timestamp": "1719218247",
    }
    params["sign"] = wxpay.sign([appid, params["timestamp"], params["noncestr"], prepay_id])
    assert wxsandbox.control("POST", "pay/invoke", json={"params": params})["prepay_id"] == prepay_id
    bad = wxsandbox.client.post("/sandbox/pay/invoke", json={"params": params | {"package": "prepay_id=x"}})
    assert bad.status_code == 400


def test_migrating_merchant_gets_notifications_signed_by_either_anchor(
    wxsandbox_factory, wxsandbox_base_config, receiver
):
    """While a merchant migrates (§1.4) notifications come signed by the public key or the platform
    certificate; wechatpayv3 in public-key mode fetches /v3/certificates from the sandbox for the latter."""
    import dataclasses

    merchant = dataclasses.replace(wxsandbox_base_config.merchants[0], platform_mode="migrating")
    sb = wxsandbox_factory(dataclasses.replace(wxsandbox_base_config, merchants=(merchant,)))
    wxpay = peer(sb, notify_url=receiver.url)
    for n in range(8):
        assert wxpay.pay(description="迁移期", out_trade_no=f"MIGRATE{n:05d}", amount={"total": 1})[0] == 200
        sb.control("POST", "pay/confirm", json={"out_trade_no": f"MIGRATE{n:05d}", "user_id": "lihua"})
    receiver.wait_for(8)
    serials = {r.headers["Wechatpay-Serial"] for r in receiver.requests}
    assert serials == {merchant.platform_public_key_id, merchant.platform_cert_serial}
    for request in receiver.requests:
        assert wxpay.callback(request.headers, request.body)["event_type"] == "TRANSACTION.SUCCESS"


def test_wechatpayv3_signing_with_the_real_clock_after_the_sandbox_clock_moved(wxsandbox, receiver):
    """Advancing sandbox time (e.g. to reach a bill day) must not make a real client's requests stale,
    nor the sandbox's answers and notifications stale for a client checking them against its real clock."""
    import time

    wxsandbox.advance_clock(3 * 86400)
    wxpay = peer(wxsandbox, notify_url=receiver.url)
    code, message = wxpay.pay(description="键盘", out_trade_no="WXCLOCK000001", amount={"total": 19900})
    assert code == 200, message  # accepted, and wechatpayv3 verified the signed answer
    paid = wxsandbox.control(
        "POST", "pay/confirm", json={"out_trade_no": "WXCLOCK000001", "user_id": "lihua"}
    )
    note = receiver.wait_for(1)[0]
    assert abs(int(note.headers["Wechatpay-Timestamp"]) - time.time()) < 60
    assert wxpay.callback(note.headers, note.body)["resource"]["out_trade_no"] == "WXCLOCK000001"
    # Business time is still the sandbox's: the payment happened three days "later".
    assert paid["transaction"]["success_time"] == wxsandbox.sandbox.clock.rfc3339(
        wxsandbox.sandbox.state.scalar("SELECT success_time FROM pay_orders")
    )
    code, message = wxpay.query(out_trade_no="WXCLOCK000001")
    assert code == 200 and json.loads(message)["trade_state"] == "SUCCESS"
