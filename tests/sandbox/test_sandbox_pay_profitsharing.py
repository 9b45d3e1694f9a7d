"""Profit sharing (分账) against the sandbox with wechatpayv3 as the independent peer: receivers, shares capped
by the max ratio, returns bounded by what was shared, unfreeze, idempotency, and the refusals."""

import itertools
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from pay_client import PayClient
from test_sandbox_pay_peer import peer

RECEIVER_MCHID = "86693852"
_numbers = itertools.count(1)


@pytest.fixture
def ps(shared_handle):
    return peer(shared_handle)


def paid(sb, wxpay, total=100000, *, profit_sharing=True, wait=61):
    """A NATIVE payment (settle_info.profit_sharing as given) paid by lihua; its transaction_id."""
    out_trade_no = f"PS{next(_numbers):08d}X"
    settle = {"profit_sharing": profit_sharing}
    code, message = wxpay.pay(
        description="显示器 27 寸", out_trade_no=out_trade_no, amount={"total": total}, settle_info=settle
    )
    assert code == 200, message
    done = sb.control(
        "POST", "pay/confirm", json={"code_url": json.loads(message)["code_url"], "user_id": "lihua"}
    )
    if wait:
        sb.control("POST", "clock/advance", json={"seconds": wait})
    return done["transaction"]["transaction_id"]


def openid(sb, user="xiaoming"):
    return sb.openid(user, sb.config.apps[0].appid)


def add_receivers(sb, wxpay):
    code, message = wxpay.profitsharing_add_receiver(
        "MERCHANT_ID", RECEIVER_MCHID, "PARTNER", name="深圳渠道商有限公司"
    )
    assert code == 200, message
    assert json.loads(message)["account"] == RECEIVER_MCHID
    code, message = wxpay.profitsharing_add_receiver("PERSONAL_OPENID", openid(sb), "DISTRIBUTOR")
    assert code == 200, message


def share(wxpay, transaction_id, out_order_no, amounts, unfreeze=False, sb=None):
    receivers = [
        {"type": "MERCHANT_ID", "account": RECEIVER_MCHID, "amount": amounts[0], "description": "渠道佣金"}
    ]
    if len(amounts) > 1:
        receivers.append(
            {
                "type": "PERSONAL_OPENID",
                "account": openid(sb),
                "amount": amounts[1],
                "description": "分享员佣金",
            }
        )
    code, message = wxpay.profitsharing_order(transaction_id, out_order_no, receivers, unfreeze)
    return code, json.loads(message)


def unsplit(wxpay, transaction_id):
    code, message = wxpay.profitsharing_amount_query(transaction_id)
    assert code == 200, message
    return json.loads(message)["unsplit_amount"]


def test_share_query_finish_return_and_unfreeze(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps, 100000)
    assert unsplit(ps, tid) == 100000
    code, order = share(ps, tid, "SO-1", [20000, 5000], sb=shared_handle)
    assert code == 200, order
    assert order["state"] == "PROCESSING" and order["out_order_no"] == "SO-1" and order["order_id"]
    assert [(r["account"], r["amount"], r["result"]) for r in order["receivers"]] == [
        (RECEIVER_MCHID, 20000, "PENDING"), (openid(shared_handle), 5000, "PENDING")]  # fmt: skip
    assert unsplit(ps, tid) == 75000
    shared_handle.control("POST", "clock/advance", json={"seconds": 3})
    code, message = ps.profitsharing_order_query(tid, "SO-1")
    assert code == 200
    assert json.loads(message)["state"] == "FINISHED"
    assert {r["result"] for r in json.loads(message)["receivers"]} == {"SUCCESS"}

    code, message = ps.profitsharing_return("RT-1", RECEIVER_MCHID, 8000, "用户退款", out_order_no="SO-1")
    assert code == 200, message
    assert json.loads(message)["result"] == "SUCCESS" and json.loads(message)["amount"] == 8000
    code, message = ps.profitsharing_return("RT-2", RECEIVER_MCHID, 12001, "用户退款", out_order_no="SO-1")
    assert code == 400 and json.loads(message)["code"] == "INVALID_REQUEST"
    assert "回退金额超过分账金额" in json.loads(message)["message"]
    code, message = ps.profitsharing_return(
        "RT-2", openid(shared_handle), 100, "个人不能回退", out_order_no="SO-1"
    )
    assert code == 400  # only MERCHANT_ID receivers can be returned
    code, message = ps.profitsharing_return_query("SO-1", "RT-1")
    assert code == 200 and json.loads(message)["amount"] == 8000

    code, message = ps.profitsharing_unfreeze(tid, "UF-1", "解冻剩余资金")
    assert code == 200, message
    lines = json.loads(message)["receivers"]
    assert lines[-1]["account"] == shared_handle.merchant.mchid and lines[-1]["amount"] == 75000
    assert unsplit(ps, tid) == 0
    code, later = share(ps, tid, "SO-2", [100])
    assert code == 400 and later["code"] == "INVALID_REQUEST" and "分账完结" in later["message"]


def test_split_before_the_receiver_is_added(shared_handle, ps):
    tid = paid(shared_handle, ps)
    ps.profitsharing_delete_receiver("MERCHANT_ID", RECEIVER_MCHID)
    code, answer = share(ps, tid, "SO-NR", [100])
    assert code == 400 and "分账接收方关系不存在" in answer["message"]
    assert unsplit(ps, tid) == 100000  # nothing moved


def test_over_split_beyond_the_max_ratio_and_the_cap_after_a_refund(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps, 100000)
    code, answer = share(ps, tid, "SO-OVER", [30001])
    assert code == 400 and "最大分账比例" in answer["message"]
    code, message = ps.refund(
        out_refund_no=f"RFPS{next(_numbers):06d}", amount={"refund": 50000, "total": 100000, "currency": "CNY"},
        transaction_id=tid,
    )  # fmt: skip
    assert code == 200, message
    code, answer = share(ps, tid, "SO-CAP", [15001])  # 30 % of the 50000 left
    assert code == 400 and "最大分账比例" in answer["message"]
    code, answer = share(ps, tid, "SO-CAP", [15000])
    assert code == 200, answer


def test_same_out_order_no_is_idempotent_and_another_body_is_refused(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps)
    first = share(ps, tid, "SO-DUP", [1000])
    again = share(ps, tid, "SO-DUP", [1000])
    assert first[0] == again[0] == 200 and first[1]["order_id"] == again[1]["order_id"]
    assert unsplit(ps, tid) == 99000  # shared once
    code, other = share(ps, tid, "SO-DUP", [2000])
    assert code == 400 and "不一致" in other["message"]


def test_unfreeze_unsplit_ends_sharing_with_the_merchant_line(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps, 50000)
    code, order = share(ps, tid, "SO-UU", [1000], unfreeze=True)
    assert code == 200
    assert order["receivers"][-1]["account"] == shared_handle.merchant.mchid
    assert order["receivers"][-1]["amount"] == 49000
    assert unsplit(ps, tid) == 0
    code, answer = share(ps, tid, "SO-UU2", [1000])
    assert code == 400 and "分账完结" in answer["message"]


def test_non_sharing_transaction_too_early_and_auto_unfreeze(shared_handle, ps):
    add_receivers(shared_handle, ps)
    plain = paid(shared_handle, ps, profit_sharing=False)
    code, answer = share(ps, plain, "SO-PLAIN", [100])
    assert code == 400 and "非分账订单不支持分账" in answer["message"]
    assert unsplit(ps, plain) == 0
    early = paid(shared_handle, ps, wait=0)
    code, answer = share(ps, early, "SO-EARLY", [100])
    assert code == 400 and "订单处理中" in answer["message"]
    shared_handle.control("POST", "clock/advance", json={"seconds": 30 * 86400 + 61})
    assert unsplit(ps, early) == 0  # frozen funds unfreeze by themselves after 30 days
    code, answer = share(ps, early, "SO-LATE", [100])
    assert code == 400 and "分账完结" in answer["message"]


def test_unknown_orders_and_bad_fields(shared_handle, ps):
    code, message = ps.profitsharing_order_query("4200000000000000000000000000", "SO-NONE")
    assert code == 404 and json.loads(message)["code"] == "RESOURCE_NOT_EXISTS"
    code, message = ps.profitsharing_amount_query("4200000000000000000000000000")
    assert code == 404
    client = PayClient(shared_handle)
    body = {"appid": shared_handle.config.apps[0].appid, "type": "MERCHANT_ID", "account": RECEIVER_MCHID,
            "name": "bm90IGVuY3J5cHRlZA==", "relation_type": "PARTNER"}  # fmt: skip
    headers = {"Wechatpay-Serial": shared_handle.merchant.platform_public_key_id}
    answer = client.request("POST", "/v3/profitsharing/receivers/add", body, headers=headers)
    assert answer.status_code == 400 and answer.json()["code"] == "PARAM_ERROR"  # the name is not OAEP
    answer = client.request("POST", "/v3/profitsharing/receivers/add", body | {"name": None})
    assert answer.status_code == 400  # MERCHANT_ID needs its name
    answer = client.request("POST", "/v3/profitsharing/receivers/add", body | {"type": "BANK"})
    assert answer.status_code == 400
    tid = paid(shared_handle, ps)
    bad = {"appid": body["appid"], "transaction_id": tid, "out_order_no": "bad no!", "unfreeze_unsplit": False,
           "receivers": [{"type": "MERCHANT_ID", "account": RECEIVER_MCHID, "amount": 1, "description": "x"}]}  # fmt: skip
    assert client.request("POST", "/v3/profitsharing/orders", bad).status_code == 400


def test_forged_signature_is_refused_and_nothing_is_shared(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps)
    body = {"appid": shared_handle.config.apps[0].appid, "transaction_id": tid, "out_order_no": "SO-FORGED",
            "unfreeze_unsplit": False,
            "receivers": [{"type": "MERCHANT_ID", "account": RECEIVER_MCHID, "amount": 1, "description": "x"}]}  # fmt: skip
    forged = PayClient(shared_handle).request(
        "POST", "/v3/profitsharing/orders", body, key=shared_handle.merchant.platform_private_key_pem
    )
    assert forged.status_code == 401 and forged.json()["code"] == "SIGN_ERROR"
    assert unsplit(ps, tid) == 100000


# -- merchant transfer (商家转账) ---------------------------------------------------------------------------------


def transfer(sb, wxpay, out_bill_no, amount=880, **extra):
    code, message = wxpay.mch_transfer_bills(
        out_bill_no=out_bill_no, transfer_scene_id="1005", openid=openid(sb), transfer_amount=amount,
        transfer_remark="3 月分享佣金", user_recv_perception="佣金报酬",
        transfer_scene_report_infos=[{"info_type": "岗位类型", "info_content": "分享员"}], **extra,
    )  # fmt: skip
    return code, json.loads(message)


def test_transfer_waits_for_the_user_then_succeeds_and_notifies(shared_handle, receiver):
    wxpay = peer(shared_handle, notify_url=receiver.url)
    code, bill = transfer(shared_handle, wxpay, "TB0001")
    assert code == 200, bill
    assert bill["state"] == "WAIT_USER_CONFIRM" and bill["package_info"] and bill["transfer_bill_no"]
    again = transfer(shared_handle, wxpay, "TB0001")
    assert again[1]["transfer_bill_no"] == bill["transfer_bill_no"]  # idempotent by out_bill_no
    code, other = transfer(shared_handle, wxpay, "TB0001", amount=881)
    assert code == 400 and other["code"] == "INVALID_REQUEST"
    done = shared_handle.control("POST", "pay/transfers/TB0001/confirm", json={"accept": True})
    assert done["state"] == "SUCCESS"
    code, message = wxpay.mch_transfer_bills_query(out_bill_no="TB0001")
    assert (
        code == 200
        and json.loads(message)["state"] == "SUCCESS"
        and json.loads(message)["transfer_amount"] == 880
    )
    code, message = wxpay.mch_transfer_bills_query(transfer_bill_no=bill["transfer_bill_no"])
    assert code == 200 and json.loads(message)["out_bill_no"] == "TB0001"
    note = receiver.wait_for(1)[0]
    result = wxpay.callback(note.headers, note.body)
    assert result["event_type"] == "MCHTRANSFER.BILL.FINISHED"
    assert result["resource"]["out_bill_no"] == "TB0001" and result["resource"]["state"] == "SUCCESS"
    code, message = wxpay.mch_transfer_bills_cancel("TB0001")
    assert code == 400  # too late: the user took it


def test_transfer_cancel_decline_short_balance_and_bad_input(shared_handle, ps):
    assert transfer(shared_handle, ps, "TB0002")[0] == 200
    code, message = ps.mch_transfer_bills_cancel("TB0002")
    assert code == 200 and json.loads(message)["state"] == "CANCELLED"
    late = shared_handle.client.post("/sandbox/pay/transfers/TB0002/confirm", json={"accept": True})
    assert (
        late.status_code == 409 and late.json()["error"] == "invalid_state"
    )  # the user can no longer confirm
    assert transfer(shared_handle, ps, "TB0003")[0] == 200
    declined = shared_handle.control("POST", "pay/transfers/TB0003/confirm", json={"accept": False})
    assert declined["state"] == "CANCELLED"
    mchid = shared_handle.merchant.mchid
    shared_handle.control("POST", "pay/balance", json={"mchid": mchid, "balance": 100})
    try:
        assert transfer(shared_handle, ps, "TB0004", amount=500)[0] == 200
        short = shared_handle.control("POST", "pay/transfers/TB0004/confirm", json={"accept": True})
        assert short["state"] == "FAIL" and short["fail_reason"] == "NOT_ENOUGH"
    finally:
        shared_handle.control("POST", "pay/balance", json={"mchid": mchid, "balance": None})
    client = PayClient(shared_handle)
    body = {"appid": shared_handle.config.apps[0].appid, "out_bill_no": "TB0005", "transfer_scene_id": "1005",
            "openid": openid(shared_handle), "transfer_amount": 200000, "transfer_remark": "大额"}  # fmt: skip
    answer = client.request("POST", "/v3/fund-app/mch-transfer/transfer-bills", body)
    assert answer.status_code == 400 and answer.json()["code"] == "PARAM_ERROR"  # 2,000 yuan needs user_name
    answer = client.request(
        "POST",
        "/v3/fund-app/mch-transfer/transfer-bills",
        body | {"transfer_amount": 100, "openid": "o-nobody"},
    )
    assert answer.status_code == 400
    code, message = ps.mch_transfer_bills_query(out_bill_no="TB9999")
    assert code == 404


def test_an_injected_failure_then_a_retry_with_the_same_number_shares_once(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps)
    shared_handle.add_fault(
        target="pay.profitsharing.create", errcode="SYSTEM_ERROR", http_status=500, times=1
    )
    try:
        code, answer = share(ps, tid, "SO-RETRY", [3000])
        assert code == 500 and answer["code"] == "SYSTEM_ERROR"
        assert unsplit(ps, tid) == 100000
        code, answer = share(ps, tid, "SO-RETRY", [3000])
        assert code == 200 and share(ps, tid, "SO-RETRY", [3000])[1]["order_id"] == answer["order_id"]
    finally:
        shared_handle.clear_faults()
    assert unsplit(ps, tid) == 97000


def test_concurrent_shares_never_exceed_the_cap(shared_handle, ps):
    add_receivers(shared_handle, ps)
    tid = paid(shared_handle, ps, 100000)
    with ThreadPoolExecutor(6) as pool:  # six 10000 shares against a 30000 cap, at once
        answers = list(pool.map(lambda n: share(ps, tid, f"SO-RACE-{n}", [10000])[0], range(6)))
    assert sorted(answers) == [200, 200, 200, 400, 400, 400]
    assert unsplit(ps, tid) == 70000


def test_a_large_transfer_carries_the_encrypted_name_under_the_named_key(shared_handle, ps):
    """From 2,000 yuan `user_name` is required: wechatpayv3 encrypts it (RSA-OAEP, platform public key) and
    sends `Wechatpay-Serial`; the sandbox decrypts it with the key that serial names."""
    code, answer = transfer(shared_handle, ps, "TB0100", amount=250_000, user_name="王芳")
    assert code == 200 and answer["state"] == "WAIT_USER_CONFIRM"
    stored = shared_handle.sandbox.state.one(
        "SELECT user_name FROM pay_transfers WHERE out_bill_no = 'TB0100'"
    )
    assert stored["user_name"] == "王芳"
    client = PayClient(shared_handle)
    body = {"appid": shared_handle.config.apps[0].appid, "out_bill_no": "TB0101", "transfer_scene_id": "1005",
            "openid": openid(shared_handle), "transfer_amount": 250_000, "transfer_remark": "大额",
            "user_name": "not-a-ciphertext"}  # fmt: skip
    answer = client.request("POST", "/v3/fund-app/mch-transfer/transfer-bills", body)
    assert answer.status_code == 400 and answer.json()["code"] == "PARAM_ERROR"  # no/unknown serial
    assert shared_handle.sandbox.state.one("SELECT 1 FROM pay_transfers WHERE out_bill_no = 'TB0101'") is None


def test_the_missing_name_threshold_and_code_are_switches(wxsandbox_factory, wxsandbox_base_config):
    import dataclasses

    settings = dataclasses.replace(
        wxsandbox_base_config.pay,
        transfer_user_name_required_from=1000,
        code_transfer_user_name_missing="INVALID_REQUEST",
    )
    handle = wxsandbox_factory(dataclasses.replace(wxsandbox_base_config, pay=settings))
    client = PayClient(handle)
    body = {"appid": handle.config.apps[0].appid, "out_bill_no": "TB0200", "transfer_scene_id": "1005",
            "openid": openid(handle), "transfer_amount": 1000, "transfer_remark": "佣金"}  # fmt: skip
    answer = client.request("POST", "/v3/fund-app/mch-transfer/transfer-bills", body)
    assert answer.status_code == 400 and answer.json()["code"] == "INVALID_REQUEST"
    answer = client.request(
        "POST", "/v3/fund-app/mch-transfer/transfer-bills", body | {"transfer_amount": 999}
    )
    assert answer.status_code == 200
