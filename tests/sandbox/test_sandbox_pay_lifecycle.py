"""Order expiry with the sandbox clock, refunds and their amount rules, trade bills, request faults."""

import csv
import gzip
import hashlib
import io
import threading
import time
from datetime import timedelta

import httpx
import pytest
from pay_client import PayClient


@pytest.fixture
def pay(wxsandbox):
    return PayClient(wxsandbox)


def query(pay, out_trade_no):
    return pay.request("GET", f"/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={pay.merchant.mchid}")


def paid_order(pay, out_trade_no, total=10000, user="lihua"):
    assert pay.native(out_trade_no, total=total).status_code == 200
    return pay.handle.control("POST", "pay/confirm", json={"out_trade_no": out_trade_no, "user_id": user})


def refund(pay, out_refund_no, amount, total=10000, **extra):
    body = {"out_refund_no": out_refund_no, "amount": {"refund": amount, "total": total, "currency": "CNY"}}
    body.update(extra)
    return pay.request("POST", "/v3/refund/domestic/refunds", body)


# -- expiry -------------------------------------------------------------------------------------------------


def test_default_expiry_is_seven_days_of_sandbox_time(pay):
    pay.native("EXPIRE000001")
    pay.handle.advance_clock(7 * 86400 - 10)
    assert query(pay, "EXPIRE000001").json()["trade_state"] == "NOTPAY"
    pay.handle.advance_clock(20)
    after = query(pay, "EXPIRE000001")
    assert after.json()["trade_state"] == "CLOSED" and after.json()["trade_state_desc"] == "订单已关闭"
    refused = pay.http.post("/sandbox/pay/confirm", json={"out_trade_no": "EXPIRE000001", "user_id": "lihua"})
    assert refused.status_code == 409


def test_time_expire_is_honoured_and_raised_to_one_minute(pay):
    now = pay.handle.sandbox.clock.datetime()
    pay.native("EXPIRE000002", time_expire=(now + timedelta(minutes=30)).replace(microsecond=0).isoformat())
    pay.native("EXPIRE000003", time_expire=(now + timedelta(seconds=5)).replace(microsecond=0).isoformat())
    pay.handle.advance_clock(30)
    assert query(pay, "EXPIRE000003").json()["trade_state"] == "NOTPAY"  # raised to creation + 1 min
    pay.handle.advance_clock(40)
    assert query(pay, "EXPIRE000003").json()["trade_state"] == "CLOSED"
    assert query(pay, "EXPIRE000002").json()["trade_state"] == "NOTPAY"
    pay.handle.advance_clock(30 * 60)
    assert query(pay, "EXPIRE000002").json()["trade_state"] == "CLOSED"


def test_expired_state_is_configurable(wxsandbox_factory):
    pay = PayClient(wxsandbox_factory(pay={"expired_order_state": "NOTPAY"}))
    pay.native("EXPIRE000004")
    pay.handle.advance_clock(8 * 86400)
    assert query(pay, "EXPIRE000004").json()["trade_state"] == "NOTPAY"


# -- cashier control ----------------------------------------------------------------------------------------


def test_resolve_and_cancel_leave_the_order_unpaid(pay):
    code_url = pay.native("CASHIER00001", total=4999).json()["code_url"]
    seen = pay.handle.control("POST", "pay/resolve", json={"code_url": code_url})
    assert seen["amount_total"] == 4999 and seen["merchant_name"] == "沙箱电脑城"
    cancelled = pay.handle.control("POST", "pay/cancel", json={"code_url": code_url, "user_id": "lihua"})
    assert cancelled["cancelled"] and query(pay, "CASHIER00001").json()["trade_state"] == "NOTPAY"
    assert pay.http.post("/sandbox/pay/confirm", json={"code_url": code_url}).status_code == 400  # who pays?
    assert (
        pay.http.post("/sandbox/pay/confirm", json={"code_url": code_url, "user_id": "ghost"}).status_code
        == 404
    )
    assert (
        pay.http.post("/sandbox/pay/resolve", json={"code_url": "weixin://wxpay/bizpayurl?pr=x"}).status_code
        == 404
    )
    assert pay.http.post("/sandbox/pay/resolve", json={}).status_code == 400


def test_jsapi_order_can_only_be_paid_by_its_payer(pay):
    oa = pay.handle.config.apps[0]
    body = {
        "appid": oa.appid,
        "mchid": pay.merchant.mchid,
        "description": "内存条",
        "out_trade_no": "JSAPI0000009",
        "notify_url": "https://e.com/n",
        "amount": {"total": 39900},
        "payer": {"openid": pay.handle.openid("wangfang", oa.appid)},
    }
    prepay_id = pay.request("POST", "/v3/pay/transactions/jsapi", body).json()["prepay_id"]
    wrong = pay.http.post("/sandbox/pay/confirm", json={"prepay_id": prepay_id, "user_id": "lihua"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "wrong_user"
    ok = pay.handle.control("POST", "pay/confirm", json={"prepay_id": prepay_id})
    assert ok["transaction"]["payer"]["openid"] == pay.handle.openid("wangfang", oa.appid)


def test_paying_opens_the_customer_service_window(pay):
    oa = pay.handle.config.apps[0]
    message = {
        "touser": pay.handle.openid("wangfang", oa.appid),
        "msgtype": "text",
        "text": {"content": "已发货"},
    }

    def send(token):
        return pay.http.post(
            "/cgi-bin/message/custom/send", params={"access_token": token}, json=message
        ).json()

    pay.handle.control("POST", "mp/oa/follow", json={"user": "wangfang", "appid": oa.appid})
    pay.handle.advance_clock(48 * 3600 + 1)
    token = pay.handle.access_token(oa)
    assert send(token)["errcode"] == 45015  # the follow was more than 48 hours ago
    body = {
        "appid": oa.appid,
        "mchid": pay.merchant.mchid,
        "description": "键盘",
        "out_trade_no": "JSAPI0000010",
        "notify_url": "https://e.com/n",
        "amount": {"total": 19900},
        "payer": {"openid": pay.handle.openid("wangfang", oa.appid)},
    }
    prepay_id = pay.request("POST", "/v3/pay/transactions/jsapi", body).json()["prepay_id"]
    pay.handle.control("POST", "pay/confirm", json={"prepay_id": prepay_id})
    assert send(token)["errcode"] == 0


# -- refunds ------------------------------------------------------------------------------------------------


def test_partial_refunds_sum_up_to_the_total(pay):
    paid_order(pay, "REFUND000001")
    first = refund(pay, "RF000001", 6000, out_trade_no="REFUND000001")
    assert first.status_code == 200 and pay.verify(first)
    body = first.json()
    assert (
        body["status"] == "PROCESSING"
        and body["amount"]["refund"] == 6000
        and body["amount"]["total"] == 10000
    )
    over = refund(pay, "RF000002", 4001, out_trade_no="REFUND000001")
    assert over.status_code == 400 and over.json() == {
        "code": "INVALID_REQUEST",
        "message": "申请退款金额超过订单可退金额",
    }
    assert refund(pay, "RF000003", 4000, out_trade_no="REFUND000001").status_code == 200
    assert refund(pay, "RF000004", 1, out_trade_no="REFUND000001").json()["code"] == "INVALID_REQUEST"
    # Same out_refund_no, same parameters: the same refund, refunded once.
    again = refund(pay, "RF000001", 6000, out_trade_no="REFUND000001")
    assert again.status_code == 200 and again.json()["refund_id"] == body["refund_id"]
    changed = refund(pay, "RF000001", 5000, out_trade_no="REFUND000001")
    assert changed.status_code == 400 and changed.json()["code"] == "INVALID_REQUEST"
    assert pay.handle.sandbox.state.scalar("SELECT refunded_total FROM pay_orders") == 10000
    assert query(pay, "REFUND000001").json()["trade_state"] == "REFUND"


def test_not_enough_means_the_merchant_balance_is_short(pay):
    assert pay.handle.control("GET", "pay/balance")["balance"] is None  # unset: never short
    paid_order(pay, "REFUND000030", total=10000)
    pay.handle.control("POST", "pay/balance", json={"balance": 2500})
    short = refund(pay, "RF000030", 3000, out_trade_no="REFUND000030")
    assert short.status_code == 403 and short.json()["code"] == "NOT_ENOUGH" and pay.verify(short)
    # Nothing was reserved by the refused refund: the remainder and the balance are untouched.
    assert pay.handle.sandbox.state.scalar("SELECT refunded_total FROM pay_orders") == 0
    assert pay.handle.sandbox.state.scalar("SELECT COUNT(*) FROM pay_refunds") == 0
    assert refund(pay, "RF000031", 2500, out_trade_no="REFUND000030").status_code == 200
    assert pay.handle.control("GET", "pay/balance")["balance"] == 0
    # A new payment credits the balance, and over-the-remainder stays a 400 whatever the balance.
    paid_order(pay, "REFUND000031", total=500)
    assert pay.handle.control("GET", "pay/balance")["balance"] == 500
    over = refund(pay, "RF000032", 501, total=500, out_trade_no="REFUND000031")
    assert over.status_code == 400 and over.json()["code"] == "INVALID_REQUEST"
    assert refund(pay, "RF000033", 500, total=500, out_trade_no="REFUND000031").status_code == 200
    # A closed refund gives its amount back to the balance.
    pay.handle.control("POST", "pay/refund-result", json={"out_refund_no": "RF000033", "status": "CLOSED"})
    assert pay.handle.control("GET", "pay/balance")["balance"] == 500
    bad = pay.http.post("/sandbox/pay/balance", json={"balance": -1})
    assert bad.status_code == 400
    assert pay.http.post("/sandbox/pay/balance", json={"mchid": "1", "balance": 1}).status_code == 404
    pay.handle.control("POST", "pay/balance", json={"balance": None})
    assert pay.handle.control("GET", "pay/balance")["balance"] is None


def test_refund_rules(pay):
    pay.native("REFUND000002", total=10000)
    unpaid = refund(pay, "RF000010", 100, out_trade_no="REFUND000002")
    assert unpaid.status_code == 400 and "未支付" in unpaid.json()["message"]
    paid_order(pay, "REFUND000003")
    assert (
        refund(pay, "RF000011", 100, total=9999, out_trade_no="REFUND000003").json()["code"]
        == "INVALID_REQUEST"
    )
    assert refund(pay, "RF000012", 100, out_trade_no="NOSUCHORDER1").status_code == 404
    assert refund(pay, "RF000013", 0, out_trade_no="REFUND000003").json()["code"] == "PARAM_ERROR"
    assert refund(pay, "RF 000014", 100, out_trade_no="REFUND000003").json()["code"] == "PARAM_ERROR"
    assert (
        refund(pay, "RF000015", 100).json()["code"] == "PARAM_ERROR"
    )  # neither transaction_id nor out_trade_no
    missing_currency = pay.request(
        "POST",
        "/v3/refund/domestic/refunds",
        {
            "out_refund_no": "RF000016",
            "out_trade_no": "REFUND000003",
            "amount": {"refund": 1, "total": 10000},
        },
    )
    assert missing_currency.json()["code"] == "PARAM_ERROR"
    assert pay.handle.sandbox.state.scalar("SELECT COUNT(*) FROM pay_refunds") == 0
    missing = pay.request("GET", "/v3/refund/domestic/refunds/NOPE")
    assert missing.status_code == 404 and missing.json()["code"] == "RESOURCE_NOT_EXISTS"


def test_refund_settles_with_time_and_can_be_closed(wxsandbox_factory, receiver):
    sb = wxsandbox_factory(time_factor=1.0, pay={"refund_settle_seconds": 60})
    pay = PayClient(sb)
    transaction_id = paid_order(pay, "REFUND000004")["transaction"]["transaction_id"]
    refund(pay, "RF000020", 3000, transaction_id=transaction_id, notify_url=receiver.url)
    refund(pay, "RF000021", 2000, transaction_id=transaction_id, notify_url=receiver.url)
    assert pay.request("GET", "/v3/refund/domestic/refunds/RF000020").json()["status"] == "PROCESSING"
    closed = sb.control("POST", "pay/refund-result", json={"out_refund_no": "RF000021", "status": "CLOSED"})
    assert closed["status"] == "CLOSED"
    sb.advance_clock(60)
    done = pay.request("GET", "/v3/refund/domestic/refunds/RF000020").json()
    assert done["status"] == "SUCCESS" and done["success_time"].endswith("+08:00")
    receiver.wait_for(2)
    time.sleep(0.1)
    events = sorted(
        d["meta"]["event_type"] + ":" + d["meta"]["out_refund_no"] + ":" + d["status"]
        for d in sb.deliveries()
    )
    assert [e for e in events if e.startswith("REFUND")] == [
        "REFUND.CLOSED:RF000021:delivered",
        "REFUND.SUCCESS:RF000020:delivered",
        "REFUND.SUCCESS:RF000021:dropped",
    ]
    # The closed refund gave its amount back: 10000 - 3000 remain refundable.
    assert refund(pay, "RF000022", 7000, transaction_id=transaction_id).status_code == 200


def test_a_refund_can_be_held_in_processing_then_settled(wxsandbox_factory, receiver):
    sb = wxsandbox_factory(time_factor=1.0, pay={"refund_settle_seconds": 60})
    pay = PayClient(sb)
    transaction_id = paid_order(pay, "REFUND000006")["transaction"]["transaction_id"]
    refund(pay, "RF000040", 1000, transaction_id=transaction_id, notify_url=receiver.url)
    held = sb.control("POST", "pay/refund-result", json={"out_refund_no": "RF000040", "status": "PROCESSING"})
    assert held["status"] == "PROCESSING"
    sb.advance_clock(3600)  # long past its settle time: still processing, and nothing is notified
    assert pay.request("GET", "/v3/refund/domestic/refunds/RF000040").json()["status"] == "PROCESSING"
    assert [d["status"] for d in sb.deliveries() if d["meta"].get("out_refund_no")] == ["dropped"]
    done = sb.control("POST", "pay/refund-result", json={"out_refund_no": "RF000040", "status": "SUCCESS"})
    assert done["status"] == "SUCCESS" and done["success_time"].endswith("+08:00")
    receiver.wait_for(1)
    again = pay.http.post(
        "/sandbox/pay/refund-result", json={"out_refund_no": "RF000040", "status": "CLOSED"}
    )
    assert again.status_code == 409  # final
    bad = pay.http.post("/sandbox/pay/refund-result", json={"out_refund_no": "RF000040", "status": "LOST"})
    assert bad.status_code == 409


def test_concurrent_refunds_never_exceed_the_total(pay):
    paid_order(pay, "REFUND000005")
    statuses = []

    def attempt(n):
        statuses.append(refund(pay, f"RFRACE{n:04d}", 3000, out_trade_no="REFUND000005").status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 3 + [400] * 7
    assert pay.handle.sandbox.state.scalar("SELECT SUM(amount_refund) FROM pay_refunds") == 9000


# -- bills --------------------------------------------------------------------------------------------------


def test_trade_bill_download_matches_its_hash(pay):
    paid_order(pay, "BILL00000001", total=539900, user="xiaoming")
    paid_order(pay, "BILL00000002", total=1, user="lihua")
    refund(pay, "RFBILL000001", 1, total=1, out_trade_no="BILL00000002")
    pay.handle.advance_clock(2)  # settle the refund
    pay.request("GET", "/v3/refund/domestic/refunds/RFBILL000001")
    state = pay.handle.sandbox.state
    first_paid = state.scalar("SELECT MIN(success_time) FROM pay_orders")
    if pay.handle.sandbox.clock.rfc3339(first_paid)[:10] != pay.handle.sandbox.clock.rfc3339()[:10]:
        pytest.skip("ran across Beijing midnight: the rows fall on two bill days")
    day = pay.handle.sandbox.clock.datetime().date().isoformat()
    too_early = pay.request("GET", f"/v3/bill/tradebill?bill_date={day}&bill_type=ALL")
    assert too_early.status_code == 400 and too_early.json()["code"] == "NO_STATEMENT_EXIST"
    pay.handle.advance_clock(86400)
    pointer = pay.request("GET", f"/v3/bill/tradebill?bill_date={day}&bill_type=ALL&tar_type=GZIP")
    assert pointer.status_code == 200 and pay.verify(pointer)
    info = pointer.json()
    assert info["hash_type"] == "SHA1" and info["download_url"].startswith(
        pay.handle.base_url + "/v3/billdownload/"
    )
    url = info["download_url"][len(pay.handle.base_url) :]
    file = pay.request("GET", url)
    assert file.status_code == 200 and "Wechatpay-Signature" not in file.headers
    text = gzip.decompress(file.content)
    assert hashlib.sha1(text).hexdigest() == info["hash_value"]
    rows = list(csv.reader(io.StringIO(text.decode())))
    assert rows[0][:3] == ["交易时间", "公众账号ID", "商户号"] and len(rows[0]) == 27
    data = rows[1:-2]
    assert len(data) == 3 and all(v.startswith("`") for row in data for v in row)
    by_no = {(r[6], r[9]): r for r in data}
    laptop = by_no[("`BILL00000001", "`SUCCESS")]
    assert laptop[12] == "`5399.00" and laptop[22] == "`32.39" and laptop[23] == "`0.60%"
    assert by_no[("`BILL00000002", "`REFUND")][16] == "`0.01"
    assert rows[-2][0] == "总交易单数"
    assert rows[-1][:3] == ["`3", "`5399.01", "`0.01"]
    plain = pay.request("GET", f"/v3/bill/tradebill?bill_date={day}&bill_type=SUCCESS")
    body = pay.request("GET", plain.json()["download_url"][len(pay.handle.base_url) :]).content
    assert hashlib.sha1(body).hexdigest() == plain.json()["hash_value"] and body.count(b"REFUND") == 0


def test_trade_bill_errors(pay):
    today = pay.handle.sandbox.clock.datetime().date()
    cases = [
        ("2024/01/01", "PARAM_ERROR"),
        ("2024-02-30", "PARAM_ERROR"),
        ((today - timedelta(days=1)).isoformat() + "&bill_type=NOPE", "PARAM_ERROR"),
        ((today - timedelta(days=200)).isoformat(), "PARAM_ERROR"),
        ((today - timedelta(days=1)).isoformat(), "NO_STATEMENT_EXIST"),
    ]
    for query_date, code in cases:
        response = pay.request("GET", f"/v3/bill/tradebill?bill_date={query_date}")
        assert (response.status_code, response.json()["code"]) == (400, code), query_date
    assert pay.request("GET", "/v3/billdownload/file?token=nope").status_code == 400


# -- request faults -----------------------------------------------------------------------------------------


def test_fixed_errcode_fault_in_pay_dialect(pay):
    pay.handle.add_fault(target="pay.native", errcode="SYSTEM_ERROR", times=1)
    first = pay.native("FAULT0000001")
    assert first.status_code == 500 and first.json() == {
        "code": "SYSTEM_ERROR",
        "message": "系统繁忙，请稍后重试",
    }
    assert pay.orders_count() == 0
    assert pay.native("FAULT0000001").status_code == 200  # the retry with the same params succeeds


@pytest.mark.parametrize(
    "rule, status",
    [
        ({"http_status": 503}, 503),
        ({"errcode": "RATELIMIT_EXCEEDED"}, 429),
        ({"errcode": "SYSTEM_ERROR", "http_status": 502}, 502),
        ({"errcode": 45009}, 200),
    ],
)
def test_fault_statuses(pay, rule, status):
    pay.handle.add_fault(target="/v3/pay/transactions/*", **rule)
    response = pay.native("FAULT0000002")
    assert response.status_code == status
    if "errcode" in rule and isinstance(rule["errcode"], int):
        assert response.json()["errcode"] == 45009


def test_error_rate_is_seeded_and_replayable(wxsandbox_factory):
    def run():
        sb = wxsandbox_factory(seed=4242)
        sb.add_fault(target="pay.native", errcode="SYSTEM_ERROR", probability=0.3)
        pay = PayClient(sb)
        return [pay.native(f"RATE{n:08d}").status_code for n in range(30)]

    first, second = run(), run()
    assert first == second
    assert 0 < first.count(500) < 30 and set(first) == {200, 500}


def test_latency_and_timeout_faults(pay):
    pay.handle.add_fault(target="pay.query", latency_ms=300, times=1)
    started = time.monotonic()
    assert query(pay, "NOPE00000001").status_code == 404  # slow, then answered normally
    assert time.monotonic() - started >= 0.3
    pay.handle.add_fault(target="pay.native", timeout=True, timeout_seconds=5)
    with pytest.raises(httpx.TimeoutException):
        pay.http.post("/v3/pay/transactions/native", content=b"{}", timeout=0.3)
    rules = {r["target"]: r for r in pay.handle.control("GET", "faults")["rules"]}
    assert rules["pay.query"]["fired"] == 1 and rules["pay.native"]["fired"] == 1


def test_faults_from_the_config_apply_from_the_start(wxsandbox_factory):
    from wxsandbox.config import FaultRule

    sb = wxsandbox_factory(
        faults=(
            FaultRule(target="pay.query", errcode="FREQUENCY_LIMITED", times=2),
            FaultRule(target="callback:pay.notify", drop=True),
        )
    )
    pay = PayClient(sb)
    assert [query(pay, "CFGFAULT0001").status_code for _ in range(3)] == [429, 429, 404]
    paid_order(pay, "CFGFAULT0002")
    assert sb.deliveries()[0]["status"] == "dropped"
    assert {r["target"]: r["fired"] for r in sb.control("GET", "faults")["rules"]} == {
        "pay.query": 2,
        "callback:pay.notify": 1,
    }
